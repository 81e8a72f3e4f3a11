"""One login, several organizations: `GET /v3/login/organizations` (BILL changelog 2026-01-21), signing
in to each of the user's organizations with the same username, password and devKey, the Accountant
Console organization and its client organizations, the console API token in every client organization,
and an organization that refuses sign-in."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from bill_emulator import Deviations, EmulatorServer, EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, login, org_session, walk

LOGIN_ORGANIZATIONS = "/v3/login/organizations"


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", organizations=4, fake_clock=True)) as running:
        yield running


def listed(server: EmulatorServer, session: requests.Session, **params: str) -> requests.Response:
    return session.get(f"{server.base_url}{LOGIN_ORGANIZATIONS}", params=params, timeout=30)


def all_pages(server: EmulatorServer, session: requests.Session) -> list[dict[str, Any]]:
    return walk(session, f"{server.base_url}{LOGIN_ORGANIZATIONS}")


def main_org(server: EmulatorServer) -> str:
    return server.config("ap_ar")["credentials"]["organization_id"]


def console_login(server: EmulatorServer, organization_id: str) -> requests.Response:
    creds = server.config("ap_ar", console=True)["credentials"]
    body = {
        "username": creds["username"],
        "consoleApiToken": creds["console_api_token"],
        "organizationId": organization_id,
        "devKey": creds["dev_key"],
    }
    return requests.post(f"{server.base_url}/v3/login", json=body, timeout=30)


def no_api_access_org(server: EmulatorServer) -> str:
    return next(o for o in server.emulator.credentials["organizations"] if not o["api_access"])[
        "organization_id"
    ]


# -- the list ------------------------------------------------------------------------------------------
def test_given_a_user_in_four_organizations_when_listing_then_each_and_its_console_are_listed(server):
    response = listed(server, org_session(server))

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"results"}  # one page: no nextPage, no prevPage
    results = body["results"]
    console_id = server.console_organization_id()
    clients = server.client_organization_ids()
    assert [o["id"] for o in results] == server.organization_ids()
    assert len(results) == 5 and len(clients) == 3
    assert {o["id"] for o in results} == {main_org(server), console_id, *clients}
    console_name = server.emulator.store.get("organizations", console_id).body["name"]
    for organization in results:
        assert organization["id"].startswith("008") and len(organization["id"]) == 20
        stored = server.emulator.store.get("organizations", organization["id"]).body
        assert organization["name"] == stored["name"]
        if organization["id"] in clients:
            assert organization == {
                "id": organization["id"],
                "name": stored["name"],
                "consoleOrganization": {"id": console_id, "name": console_name},
            }
        else:  # the main organization and the console itself have no console parent
            assert set(organization) == {"id", "name"}


def test_given_the_partners_organization_without_api_access_when_listing_then_it_is_not_the_users(server):
    ids = {o["id"] for o in all_pages(server, org_session(server))}

    assert no_api_access_org(server) not in ids
    assert_bill_error(login(server, organizationId=no_api_access_org(server)), 400, "BDC_1101")


def test_given_a_session_in_any_of_the_users_organizations_when_listing_then_the_same_list(server):
    expected = all_pages(server, org_session(server))

    for organization_id in server.organization_ids():
        assert all_pages(server, org_session(server, organization_id)) == expected


def test_given_max_filters_or_sort_when_listing_then_they_are_not_parameters_of_this_list(server):
    session = org_session(server)
    expected = listed(server, session).json()

    assert listed(server, session, max="1").json() == expected
    assert listed(server, session, filters="name:eq:nobody", sort="name:desc").json() == expected


def test_given_a_page_token_bill_never_issued_or_from_another_list_when_listing_then_400(server):
    session = org_session(server)
    other = session.get(f"{server.base_url}/v3/customers", params={"max": 1}, timeout=30).json()["nextPage"]

    assert_bill_error(listed(server, session, page="not-a-token"), 400, "BDC_1116")
    assert_bill_error(listed(server, session, page=other), 400, "BDC_1116")


def test_given_no_session_or_a_dead_one_when_listing_then_401_bdc_1109(server):
    creds = server.config("ap_ar")["credentials"]
    url = f"{server.base_url}{LOGIN_ORGANIZATIONS}"

    assert_bill_error(requests.get(url, headers={"devKey": creds["dev_key"]}, timeout=30), 401, "BDC_1109")
    headers = {"devKey": creds["dev_key"], "sessionId": "no-such-session"}
    assert_bill_error(requests.get(url, headers=headers, timeout=30), 401, "BDC_1109")


def test_given_an_oauth_access_token_when_listing_then_only_the_apps_organization(server):
    response = requests.get(
        f"{server.base_url}{LOGIN_ORGANIZATIONS}", headers=server.bearer_headers(), timeout=30
    )

    assert response.status_code == 200, response.text
    app_org = server.emulator.credentials["oauth"]["organization_id"]
    name = server.emulator.store.get("organizations", app_org).body["name"]
    assert response.json() == {"results": [{"id": app_org, "name": name}]}


def test_given_a_sync_token_session_when_listing_then_the_users_organizations(server):
    creds = server.emulator.credentials["ap_ar"]
    signed_in = login(server, username=creds["sync_token_name"], password=creds["sync_token"]).json()
    session = requests.Session()
    session.headers.update({"devKey": creds["dev_key"], "sessionId": signed_in["sessionId"]})

    assert [o["id"] for o in all_pages(server, session)] == server.organization_ids()


def test_given_an_organizations_own_administrator_when_listing_then_only_that_organization(server):
    other = next(
        o
        for o in server.emulator.credentials["organizations"]
        if o["api_access"] and o["organization_id"] != main_org(server)
    )
    signed_in = login(
        server,
        username=other["username"],
        password=other["password"],
        organizationId=other["organization_id"],
    ).json()
    session = requests.Session()
    dev_key = server.config("ap_ar")["credentials"]["dev_key"]
    session.headers.update({"devKey": dev_key, "sessionId": signed_in["sessionId"]})

    (only,) = all_pages(server, session)
    assert only["id"] == other["organization_id"]
    assert only["consoleOrganization"]["id"] == server.console_organization_id()


# -- paging --------------------------------------------------------------------------------------------
def test_given_more_than_100_organizations_when_listing_then_pages_of_100_linked_by_next_and_prev_page():
    settings = EmulatorSettings(scale="tiny", organizations=105, org_scale=3)
    with running_emulator(settings) as many:
        session = org_session(many)

        first = listed(many, session).json()
        second = listed(many, session, page=first["nextPage"]).json()
        back = listed(many, session, page=second["prevPage"]).json()

        assert len(first["results"]) == 100 and "prevPage" not in first
        assert len(second["results"]) == 6 and "nextPage" not in second  # 105 and the console
        assert back["results"] == first["results"] and back["nextPage"]
        ids = [o["id"] for o in first["results"] + second["results"]]
        assert ids == many.organization_ids() and len(set(ids)) == 106
        assert listed(many, session, page=back["nextPage"]).json()["results"] == second["results"]


def test_given_the_max_cap_deviation_when_listing_then_smaller_pages_still_cover_every_organization():
    settings = EmulatorSettings(scale="tiny", organizations=4, deviations=Deviations(max_cap=2))
    with running_emulator(settings) as capped:
        session = org_session(capped)
        sizes, params = [], {}
        while True:
            page = listed(capped, session, **params).json()
            sizes.append(len(page["results"]))
            if "nextPage" not in page:
                break
            params = {"page": page["nextPage"]}

        assert sizes == [2, 2, 1]
        assert [o["id"] for o in all_pages(capped, session)] == capped.organization_ids()
        assert capped.counters()["deviations"]["max_cap"] >= 3


def test_given_the_trailing_next_page_deviation_when_listing_then_the_last_page_leads_to_an_endless_empty_one():
    settings = EmulatorSettings(scale="tiny", deviations=Deviations(trailing_next_page=True))
    with running_emulator(settings) as trailing:
        session = org_session(trailing)

        first = listed(trailing, session).json()
        empty = listed(trailing, session, page=first["nextPage"]).json()

        assert [o["id"] for o in first["results"]] == trailing.organization_ids()
        assert empty["results"] == [] and empty["nextPage"]
        assert listed(trailing, session, page=empty["nextPage"]).json()["nextPage"] == empty["nextPage"]
        assert trailing.counters()["deviations"]["trailing_next_page"] >= 2


# -- signing in to each organization -------------------------------------------------------------------
def test_given_the_same_login_when_signing_in_to_each_organization_then_each_session_acts_there(server):
    user_ids = set()
    for organization_id in server.organization_ids():
        response = login(server, organizationId=organization_id)
        assert response.status_code == 200, response.text
        signed_in = response.json()
        assert signed_in["organizationId"] == organization_id and signed_in["trusted"] is False
        user_ids.add(signed_in["userId"])
        headers = {
            "devKey": server.config("ap_ar")["credentials"]["dev_key"],
            "sessionId": signed_in["sessionId"],
        }
        details = requests.get(f"{server.base_url}/v3/login/session", headers=headers, timeout=30).json()
        assert details["organizationId"] == organization_id and details["userId"] == signed_in["userId"]
        user = server.emulator.store.get("users", signed_in["userId"])
        assert user.scope == organization_id and user.body["role"]["type"] == "ADMINISTRATOR"
    assert len(user_ids) == 5  # a user object of its own in each organization


def test_given_a_session_in_each_organization_when_listing_invoices_then_that_organizations_own(server):
    seen: set[str] = set()
    for organization_id in server.organization_ids(console=False):
        session = org_session(server, organization_id)

        invoices = walk(session, f"{server.base_url}/v3/invoices", {"max": 100})

        stored = {row.id for row in server.emulator.store.find("invoices", organization_id)}
        assert invoices and {i["id"] for i in invoices} == stored
        assert not seen & stored
        seen |= stored
        other = next(o for o in server.organization_ids(console=False) if o != organization_id)
        theirs = server.emulator.store.find("invoices", other)[0].id
        assert_bill_error(session.get(f"{server.base_url}/v3/invoices/{theirs}", timeout=30), 404, "BDC_1118")


def test_given_a_config_for_another_organization_when_asked_then_only_the_organization_differs(server):
    client = server.client_organization_ids()[0]

    config = server.config("ap_ar", organization_id=client)

    main = server.config("ap_ar")
    assert config["credentials"] == {**main["credentials"], "organization_id": client}
    assert (
        server.config("ap_ar", console=True, organization_id=client)["credentials"]["organization_id"]
        == client
    )
    with pytest.raises(ValueError, match="organization_id"):
        server.config("partner", organization_id=client)


# -- the Accountant Console ----------------------------------------------------------------------------
def test_given_a_session_in_the_console_when_reading_ap_ar_data_then_403_bdc_1145(server):
    console_id = server.console_organization_id()
    session = org_session(server, console_id)

    for path in (
        "/v3/invoices",
        "/v3/customers",
        "/v3/bills",
        "/v3/users",
        f"/v3/organizations/{console_id}/price-plan",
    ):
        error = assert_bill_error(session.get(f"{server.base_url}{path}", timeout=30), 403, "BDC_1145")
        assert "Accountant Console" in error["message"]
    assert_bill_error(session.post(f"{server.base_url}/v3/customers", json={"name": "Nope"}), 403, "BDC_1145")


def test_given_a_session_in_the_console_when_asking_its_session_list_and_details_then_answered(server):
    console_id = server.console_organization_id()
    session = org_session(server, console_id)

    details = session.get(f"{server.base_url}/v3/login/session", timeout=30)
    organization = session.get(f"{server.base_url}/v3/organizations/{console_id}", timeout=30)

    assert details.status_code == 200 and details.json()["organizationId"] == console_id
    assert organization.status_code == 200 and organization.json()["id"] == console_id
    assert [o["id"] for o in all_pages(server, session)] == server.organization_ids()
    assert session.post(f"{server.base_url}/v3/logout", timeout=30).status_code == 200


def test_given_the_partner_when_listing_its_organizations_then_the_console_is_not_among_them(server):
    partner = server.config("partner")["credentials"]
    body = {"username": partner["username"], "password": partner["password"], "appKey": partner["app_key"]}
    signed_in = requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30).json()
    session = requests.Session()
    session.headers.update({"appKey": partner["app_key"], "sessionId": signed_in["sessionId"]})

    organizations = walk(session, f"{server.base_url}/v3/partner/organizations", {"max": 100})

    ids = {o["id"] for o in organizations}
    assert server.console_organization_id() not in ids
    assert ids == {*server.organization_ids(console=False), no_api_access_org(server)}


def test_given_the_console_api_token_when_signing_in_to_each_client_and_the_console_then_sessions_open(
    server,
):
    for organization_id in [
        *server.client_organization_ids(),
        server.console_organization_id(),
        main_org(server),
    ]:
        response = console_login(server, organization_id)

        assert response.status_code == 200, response.text
        signed_in = response.json()
        assert signed_in["organizationId"] == organization_id
        assert signed_in["userId"] == login(server, organizationId=organization_id).json()["userId"]


def test_given_the_console_api_token_when_signing_in_where_the_user_is_no_member_then_bdc_1101(server):
    assert_bill_error(console_login(server, no_api_access_org(server)), 400, "BDC_1101")


# -- an organization that refuses sign-in ----------------------------------------------------------------
def test_given_an_organization_that_refuses_sign_in_when_signing_in_then_403_bdc_1105_and_others_still_open():
    with running_emulator(EmulatorSettings(scale="tiny", organizations=3)) as refusing:
        refused, kept = refusing.client_organization_ids()
        open_there = org_session(refusing, refused)

        refusing.refuse_sign_in(refused)

        error = assert_bill_error(login(refusing, organizationId=refused), 403, "BDC_1105")
        assert error["message"] == "Organization does not have API access."
        assert_bill_error(console_login(refusing, refused), 403, "BDC_1105")
        assert_bill_error(open_there.get(f"{refusing.base_url}/v3/invoices", timeout=30), 401, "BDC_1109")
        assert login(refusing, organizationId=kept).status_code == 200
        assert login(refusing).status_code == 200
        assert refused in refusing.organization_ids()  # still one of the user's organizations
        assert refused in {o["id"] for o in all_pages(refusing, org_session(refusing))}

        refusing.allow_sign_in(refused)

        assert login(refusing, organizationId=refused).status_code == 200


def test_given_an_unknown_organization_when_refusing_its_sign_in_then_value_error(server):
    with pytest.raises(ValueError, match="00801AAAAAAAAAAAAAAA"):
        server.refuse_sign_in("00801AAAAAAAAAAAAAAA")
