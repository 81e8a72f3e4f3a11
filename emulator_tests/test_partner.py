"""Partner operations as BILL documents them: a partner signs in, creates an organization and a user,
adds the user's phone, signs in as that user and works at organization level."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, key_paths, walk
from tests_support.collection import folder as folder_of
from tests_support.collection import requests_of

NEW_ORGANIZATION = {
    "name": "Rice Cakes Inc",
    "address": {
        "line1": "987 Home St",
        "city": "San Jose",
        "stateOrProvince": "CA",
        "zipOrPostalCode": "95002",
        "country": "US",
    },
    "phone": "4155550188",
    "taxId": "999888777",
    "taxIdType": "EIN",
    "companyOwner": {"name": "Noodle Soupsmith", "dateOfBirth": "1985-01-01"},
    "industry": "Restaurant Caterer or Bar",
    "businessCategory": "LLC",
    "accountType": "BUSINESS",
    "processingOptions": {"mailingAddressSameAsPhysical": "true"},
}


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", fake_clock=True)) as running:
        yield running


def partner_session(server: EmulatorServer) -> requests.Session:
    creds = server.config("partner")["credentials"]
    body = {"username": creds["username"], "password": creds["password"], "appKey": creds["app_key"]}
    response = requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"sessionId"}
    session = requests.Session()
    session.headers.update({"appKey": creds["app_key"], "sessionId": response.json()["sessionId"]})
    return session


@pytest.fixture(scope="module")
def partner(server) -> requests.Session:
    return partner_session(server)


@pytest.fixture(scope="module")
def new_org(server, partner) -> dict[str, Any]:
    response = partner.post(f"{server.base_url}/v3/partner/organizations", json=NEW_ORGANIZATION, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def as_org(partner: requests.Session, org_id: str) -> dict[str, str]:
    return {**partner.headers, "organizationId": org_id}


def role_id(server, partner, org_id: str, role_type: str) -> str:
    response = requests.get(
        f"{server.base_url}/v3/partner/roles",
        headers=as_org(partner, org_id),
        params={"max": 100},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    roles = response.json()["results"]
    return next(r["id"] for r in roles if r["type"] == role_type)


def create_user(server, partner, org_id: str, name: str, **overrides: Any) -> requests.Response:
    body = {
        "firstName": "Tomato",
        "lastName": "Soupsmith",
        "email": f"{name.lower()}@ricecakes.example",
        "roleId": role_id(server, partner, org_id, "ADMINISTRATOR"),
        "username": name,
        "acceptTermsOfService": True,
        **overrides,
    }
    return requests.post(
        f"{server.base_url}/v3/partner/users", headers=as_org(partner, org_id), json=body, timeout=30
    )


def collection_example(folder: str, name: str) -> Any:
    """The success example body of one request of BILL's Postman collection."""
    request = next(i for i in requests_of(folder_of(folder)["item"]) if i["name"] == name)
    response = next(r for r in request["response"] if r["code"] in (200, 201))
    return json.loads(response["body"])


# -- the partner workflow ----------------------------------------------------------------------------
def test_given_partner_session_when_creating_org_user_and_phone_then_login_as_user_works_at_org_level(
    server, partner, new_org
):
    org_id = new_org["id"]
    assert org_id.startswith("008") and len(org_id) == 20
    assert new_org["name"] == "Rice Cakes Inc"
    assert new_org["mailingAddress"] == new_org["address"]  # mailingAddressSameAsPhysical: "true"
    assert new_org["processingOptions"]["mailingAddressSameAsPhysical"] is True

    created = create_user(server, partner, org_id, "tsoupsmith1")
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["role"]["type"] == "ADMINISTRATOR" and user["archived"] is False

    phone = requests.post(
        f"{server.base_url}/v3/partner/risk-verifications/{user['id']}/phone",
        headers=as_org(partner, org_id),
        json={"phoneNumber": "4155550123", "phoneType": "MOBILE"},
        timeout=30,
    )
    assert phone.status_code == 200 and phone.content == b""

    login = partner.post(
        f"{server.base_url}/v3/partner/login-as-user",
        json={"userId": user["id"], "organizationId": org_id},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    assert set(login.json()) == {"sessionId", "trusted"}
    org_headers = {
        "devKey": server.config("ap_ar")["credentials"]["dev_key"],
        "sessionId": login.json()["sessionId"],
    }
    details = requests.get(f"{server.base_url}/v3/organizations/{org_id}", headers=org_headers, timeout=30)
    assert details.status_code == 200, details.text
    assert details.json()["id"] == org_id and details.json()["name"] == "Rice Cakes Inc"
    users = requests.get(f"{server.base_url}/v3/users", headers=org_headers, timeout=30)
    assert [u["id"] for u in users.json()["results"]] == [user["id"]]


def test_given_new_organization_when_listing_partner_organizations_then_it_is_there(server, partner, new_org):
    listed = walk(partner, f"{server.base_url}/v3/partner/organizations", {"max": 100})
    ids = [o["id"] for o in listed]
    assert new_org["id"] in ids
    assert server.config("ap_ar")["credentials"]["organization_id"] in ids
    one = partner.get(
        f"{server.base_url}/v3/partner/organizations",
        params={"filters": f"id:eq:{new_org['id']}"},
        timeout=30,
    )
    assert [o["id"] for o in one.json()["results"]] == [new_org["id"]]


def test_given_new_organization_then_it_has_the_standard_roles(server, partner, new_org):
    response = requests.get(
        f"{server.base_url}/v3/partner/roles", headers=as_org(partner, new_org["id"]), timeout=30
    )
    types = {r["type"] for r in response.json()["results"]}
    assert {"ADMINISTRATOR", "ACCOUNTANT", "CLERK", "PAYER", "APPROVER", "AUDITOR", "MEMBER"} <= types
    one = response.json()["results"][0]
    detail = requests.get(
        f"{server.base_url}/v3/partner/roles/{one['id']}", headers=as_org(partner, new_org["id"]), timeout=30
    )
    assert detail.json() == one


def test_given_collection_examples_then_partner_objects_carry_every_field(server, partner, new_org):
    listed = collection_example("Partner Operations", "Get list of organizations")["results"]
    wanted = set().union(*(key_paths(o) for o in listed))
    wanted |= key_paths(collection_example("Partner Operations", "Create an organization"))
    assert wanted - key_paths(new_org) == set()
    for organization in walk(partner, f"{server.base_url}/v3/partner/organizations", {"max": 100}):
        assert wanted - key_paths(organization) == set(), organization["id"]
    user_example = collection_example("Partner Operations", "Create a user")
    created = create_user(server, partner, new_org["id"], "fieldcheck1").json()
    assert key_paths(user_example) - key_paths(created) == set()


def test_given_user_when_patching_archiving_and_restoring_then_user_changes(server, partner, new_org):
    headers = as_org(partner, new_org["id"])
    user = create_user(server, partner, new_org["id"], "lifecycle7").json()
    url = f"{server.base_url}/v3/partner/users/{user['id']}"
    patched = requests.patch(url, headers=headers, json={"lastName": "Soupsmithson"}, timeout=30)
    assert patched.status_code == 200 and patched.json()["lastName"] == "Soupsmithson"
    assert patched.json()["updatedTime"] >= user["updatedTime"]
    assert requests.post(f"{url}/archive", headers=headers, timeout=30).json()["archived"] is True
    assert requests.get(url, headers=headers, timeout=30).json()["archived"] is True
    assert requests.post(f"{url}/restore", headers=headers, timeout=30).json()["archived"] is False


@pytest.mark.parametrize(
    ("username", "why"),
    [
        ("tomato@ricecakes.org", "an email"),
        ("x" * 41, "longer than 40 characters"),
        ("tomato soup", "a space"),
        ("", "blank"),
    ],
)
def test_given_bad_username_when_creating_user_then_400(server, partner, new_org, username, why):
    response = create_user(server, partner, new_org["id"], "badname", username=username)
    assert_bill_error(response, 400, "BDC_1117")


def test_given_taken_username_in_other_case_when_creating_user_then_refused(server, partner, new_org):
    assert create_user(server, partner, new_org["id"], "Twin01").status_code == 201
    assert_bill_error(
        create_user(server, partner, new_org["id"], "TWIN01", email="other@ricecakes.example"), 422
    )


def test_given_40_character_username_and_terms_not_accepted_when_creating_user_then_only_terms_refused(
    server, partner, new_org
):
    assert_bill_error(create_user(server, partner, new_org["id"], "a" * 40, acceptTermsOfService=False), 400)
    assert create_user(server, partner, new_org["id"], "a" * 40).status_code == 201


def test_given_price_plan_when_patching_then_success_and_unknown_plan_refused(server, partner, new_org):
    url = f"{server.base_url}/v3/partner/organizations/{new_org['id']}/price-plan"
    response = partner.patch(url, json={"pricePlanType": "PricePlan3"}, timeout=30)
    assert response.status_code == 200 and response.json() == {"status": "SUCCESS"}
    assert_bill_error(partner.patch(url, json={"pricePlanType": "PricePlan9"}, timeout=30), 400, "BDC_1117")


def test_given_bad_phone_when_adding_risk_phone_then_400(server, partner, new_org):
    user = create_user(server, partner, new_org["id"], "phoneless2").json()
    url = f"{server.base_url}/v3/partner/risk-verifications/{user['id']}/phone"
    headers = as_org(partner, new_org["id"])
    assert_bill_error(
        requests.post(url, headers=headers, json={"phoneNumber": "12", "phoneType": "MOBILE"}), 400
    )
    assert_bill_error(
        requests.post(url, headers=headers, json={"phoneNumber": "4155550123", "phoneType": "FAX"}), 400
    )


# -- auth failures ---------------------------------------------------------------------------------
def test_given_invalid_app_key_when_logging_in_then_401_in_bills_envelope(server):
    creds = server.config("partner")["credentials"]
    body = {"username": creds["username"], "password": creds["password"], "appKey": "not-an-app-key"}
    response = requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30)
    error = assert_bill_error(response, 401, "BDC_1146")
    assert error["severity"] == "ERROR"


def test_given_wrong_partner_password_when_logging_in_then_bdc_1101(server):
    creds = server.config("partner")["credentials"]
    body = {"username": creds["username"], "password": "wrong", "appKey": creds["app_key"]}
    assert_bill_error(
        requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30), 400, "BDC_1101"
    )


def test_given_invalid_app_key_or_session_on_a_partner_call_then_401(server, partner):
    url = f"{server.base_url}/v3/partner/organizations"
    bad_key = {"appKey": "not-an-app-key", "sessionId": partner.headers["sessionId"]}
    assert_bill_error(requests.get(url, headers=bad_key, timeout=30), 401, "BDC_1146")
    bad_session = {"appKey": partner.headers["appKey"], "sessionId": "no-such-session"}
    assert_bill_error(requests.get(url, headers=bad_session, timeout=30), 401, "BDC_1109")


def test_given_org_session_when_calling_partner_routes_then_refused(server):
    creds = server.config("ap_ar")["credentials"]
    login = requests.post(
        f"{server.base_url}/v3/login",
        json={
            "username": creds["username"],
            "password": creds["password"],
            "organizationId": creds["organization_id"],
            "devKey": creds["dev_key"],
        },
        timeout=30,
    )
    headers = {"devKey": creds["dev_key"], "sessionId": login.json()["sessionId"]}
    assert_bill_error(requests.get(f"{server.base_url}/v3/partner/organizations", headers=headers), 401)


def test_given_user_call_without_or_with_foreign_organization_header_then_refused(server, partner):
    url = f"{server.base_url}/v3/partner/users"
    assert_bill_error(partner.get(url, timeout=30), 400)
    foreign = {**partner.headers, "organizationId": "00801AAAAAAAAAAAAAAA"}
    assert_bill_error(requests.get(url, headers=foreign, timeout=30), 403, "BDC_1145")


def test_given_user_of_another_organization_when_logging_in_as_user_then_refused(server, partner, new_org):
    main_org = server.config("ap_ar")["credentials"]["organization_id"]
    main_user = requests.get(
        f"{server.base_url}/v3/partner/users", headers=as_org(partner, main_org), timeout=30
    ).json()["results"][0]
    response = partner.post(
        f"{server.base_url}/v3/partner/login-as-user",
        json={"userId": main_user["id"], "organizationId": new_org["id"]},
        timeout=30,
    )
    assert_bill_error(response, 403, "BDC_1145")
