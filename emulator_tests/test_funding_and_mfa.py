"""Funding accounts, MFA, risk verification, attachments and the organization extras: every route's
status and complete object (as BILL's collection shows it), the state machines, errors in BILL's envelope."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from bill_emulator import EmulatorSettings, running_emulator
from bill_emulator.backends.mfa import EMULATOR_TOKEN, PHONE_KIND, RISK_SECONDS
from emulator_tests.test_classifications import assert_bill_shape, examples, shape
from emulator_tests.wire import assert_bill_error, org_session, walk

BANK = {
    "nameOnAccount": "Agatha Ffringe",
    "routingNumber": "074000010",
    "accountNumber": "111222333",
    "type": "CHECKING",
    "ownerType": "BUSINESS",
    "bankName": "Chase",
}
DEVICE = "Ops laptop"


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", seed=9, fake_clock=True)) as running:
        yield running


@pytest.fixture(scope="module")
def session(server) -> requests.Session:
    return org_session(server)


@pytest.fixture(scope="module")
def trusted(server) -> requests.Session:
    """A session made MFA-trusted through challenge and validate."""
    s = org_session(server)
    mfa_sign_in(server, s)
    return s


def v3(server, path: str) -> str:
    return f"{server.base_url}/v3/{path}"


def org_id(server) -> str:
    return server.config("ap_ar")["credentials"]["organization_id"]


def is_trusted(server, s: requests.Session) -> bool:
    rows = server.emulator.store.execute(
        "SELECT trusted FROM sessions WHERE session_id = ?", (s.headers["sessionId"],)
    )
    return bool(rows[0][0])


def mfa_sign_in(server, s: requests.Session, remember: bool = True) -> str | None:
    challenge = s.post(v3(server, "mfa/challenge"), json={"useBackup": "false"})
    assert challenge.status_code == 200, challenge.text
    body = {"challengeId": challenge.json()["challengeId"], "token": EMULATOR_TOKEN, "rememberMe": remember}
    if remember:
        body.update(device=DEVICE, machineName="ops-laptop-01")
    validated = s.post(v3(server, "mfa/challenge/validate"), json=body)
    assert validated.status_code == 200, validated.text
    return validated.json()["rememberMeId"]


def tick(server, seconds: float = 1.0) -> None:
    server.emulator.advance_clock(seconds)


def new_bank_account(server, trusted: requests.Session, **changes: Any) -> dict[str, Any]:
    number = str(100000000 + len(server.emulator.store.find("bank_accounts")))
    response = trusted.post(
        v3(server, "funding-accounts/banks"), json={**BANK, "accountNumber": number, **changes}
    )
    assert response.status_code == 201, response.text
    return response.json()


def verified_bank_account(server, trusted: requests.Session) -> dict[str, Any]:
    account = new_bank_account(server, trusted)
    assert trusted.post(
        v3(server, f"funding-accounts/banks/{account['id']}/verify"), json={"depositAmount": 0.5}
    ).json() == {"verified": True}
    return trusted.get(v3(server, f"funding-accounts/banks/{account['id']}")).json()


def vendor(server, network: str = "NOT_CONNECTED") -> str:
    """A vendor of the main organization (inserted directly: vendors are another family's routes)."""
    vendor_id = server.emulator.ids.new("009")
    stamp = "2025-01-02T03:04:05.678+00:00"
    body = {"id": vendor_id, "name": f"Vendor {vendor_id[-4:]}", "networkStatus": network}
    server.emulator.store.insert(
        "vendors", org_id(server), {**body, "createdTime": stamp, "updatedTime": stamp}
    )
    return vendor_id


def new_org_user(server, session: requests.Session) -> str:
    roles = session.get(v3(server, "roles"), params={"max": 100}).json()["results"]
    clerk = next(r for r in roles if r["type"] == "CLERK")
    count = len(server.emulator.store.find("users"))
    body = {
        "firstName": "Nia",
        "lastName": "Okafor",
        "email": f"nia{count}@example.com",
        "roleId": clerk["id"],
    }
    response = session.post(v3(server, "users"), json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


# -- bank accounts --------------------------------------------------------------------------------
def test_given_the_seed_when_listing_bank_accounts_then_a_verified_default_checking_account(server, session):
    response = session.get(v3(server, "funding-accounts/banks"), params={"max": 100})
    assert response.status_code == 200
    accounts = response.json()["results"]
    for account in accounts:
        assert_bill_shape(account, "GET", "/v3/funding-accounts/banks", item_of="results")
        assert account["id"].startswith("bac") and account["accountNumber"].startswith("*")
    default = next(a for a in accounts if a["default"]["payables"])
    assert (
        default["status"] == "VERIFIED"
        and default["default"]["receivables"]
        and default["type"] == "CHECKING"
    )
    chart = session.get(v3(server, f"classifications/chart-of-accounts/{default['chartOfAccountId']}")).json()
    assert chart["account"]["type"] == "BANK"
    only = session.get(
        v3(server, "funding-accounts/banks"), params={"filters": f"bankAccountId:eq:{default['id']}"}
    )
    assert [a["id"] for a in only.json()["results"]] == [default["id"]]


def test_given_an_untrusted_session_when_creating_a_bank_account_then_403_bdc_1361(server, session):
    assert not is_trusted(server, session)
    assert_bill_error(session.post(v3(server, "funding-accounts/banks"), json=BANK), 403, "BDC_1361")


def test_given_a_trusted_session_when_creating_a_bank_account_then_201_pending_and_complete(server, trusted):
    account = new_bank_account(server, trusted)
    assert_bill_shape(account, "POST", "/v3/funding-accounts/banks")
    assert account["status"] == "PENDING" and account["default"] == {"payables": False, "receivables": False}
    assert (
        account["accountNumber"].endswith(account["accountNumber"][-4:]) and "*" in account["accountNumber"]
    )
    assert account["createdBy"] == trusted.get(v3(server, "login/session")).json()["userId"]
    fetched = trusted.get(v3(server, f"funding-accounts/banks/{account['id']}"))
    assert fetched.status_code == 200 and fetched.json() == account
    assert_bill_shape(fetched.json(), "GET", "/v3/funding-accounts/banks/:bankAccountId")


@pytest.mark.parametrize(
    "body",
    [
        {**BANK, "routingNumber": "12345"},
        {**BANK, "accountNumber": "12ab"},
        {**BANK, "type": "BROKERAGE"},
        {k: v for k, v in BANK.items() if k != "nameOnAccount"},
        {**BANK, "status": "VERIFIED"},
    ],
)
def test_given_an_invalid_bank_account_when_creating_then_400(server, trusted, body):
    assert_bill_error(trusted.post(v3(server, "funding-accounts/banks"), json=body), 400, "BDC_1117")


def test_given_the_sandbox_deposit_when_verifying_then_verified_and_updated_time_moves(server, trusted):
    account = new_bank_account(server, trusted)
    tick(server)
    wrong = trusted.post(
        v3(server, f"funding-accounts/banks/{account['id']}/verify"), json={"depositAmount": 0.32}
    )
    assert wrong.status_code == 200 and wrong.json() == {"verified": False}
    right = trusted.post(
        v3(server, f"funding-accounts/banks/{account['id']}/verify"), json={"depositAmount": 0.5}
    )
    assert right.status_code == 200 and right.json() == {"verified": True}
    after = trusted.get(v3(server, f"funding-accounts/banks/{account['id']}")).json()
    assert after["status"] == "VERIFIED" and after["updatedTime"] > account["updatedTime"]


def test_given_three_wrong_deposits_when_verifying_then_invalid_for_good(server, trusted):
    account = new_bank_account(server, trusted)
    for _ in range(3):
        assert trusted.post(
            v3(server, f"funding-accounts/banks/{account['id']}/verify"), json={"depositAmount": 0.01}
        ).json() == {"verified": False}
    assert trusted.get(v3(server, f"funding-accounts/banks/{account['id']}")).json()["status"] == "INVALID"
    final = trusted.post(
        v3(server, f"funding-accounts/banks/{account['id']}/verify"), json={"depositAmount": 0.5}
    )
    assert_bill_error(final, 422, "BDC_1119")


def test_given_a_pending_account_when_updating_or_archiving_then_422(server, trusted):
    account = new_bank_account(server, trusted)
    path = v3(server, f"funding-accounts/banks/{account['id']}")
    assert_bill_error(trusted.patch(path, json={"ownerType": "PERSONAL"}), 422, "BDC_1119")
    assert_bill_error(trusted.post(f"{path}/archive"), 422, "BDC_1119")


def test_given_a_verified_account_when_patching_then_fields_change_and_one_default_remains(server, trusted):
    account = verified_bank_account(server, trusted)
    tick(server)
    path = v3(server, f"funding-accounts/banks/{account['id']}")
    response = trusted.patch(path, json={"ownerType": "PERSONAL", "default": {"payables": True}})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert_bill_shape(updated, "PATCH", "/v3/funding-accounts/banks/:bankAccountId")
    assert updated["ownerType"] == "PERSONAL" and updated["default"] == {
        "payables": True,
        "receivables": False,
    }
    assert updated["updatedTime"] > account["updatedTime"]
    accounts = walk(trusted, v3(server, "funding-accounts/banks"), {"max": 100})
    assert [a["id"] for a in accounts if a["default"]["payables"]] == [account["id"]]
    assert_bill_error(trusted.patch(path, json={"routingNumber": "021000021"}), 400, "BDC_1117")


def test_given_a_verified_account_of_mine_when_archiving_then_archived_without_defaults(server, trusted):
    account = verified_bank_account(server, trusted)
    trusted.patch(
        v3(server, f"funding-accounts/banks/{account['id']}"), json={"default": {"receivables": True}}
    )
    response = trusted.post(v3(server, f"funding-accounts/banks/{account['id']}/archive"))
    assert response.status_code == 200, response.text
    assert_bill_shape(response.json(), "POST", "/v3/funding-accounts/banks/:bankAccountId/archive")
    assert response.json()["archived"] is True
    assert response.json()["default"] == {"payables": False, "receivables": False}


def test_given_an_unknown_bank_account_when_reading_then_404(server, session):
    assert_bill_error(session.get(v3(server, "funding-accounts/banks/bac01AAAAAAAAAAAAAAA")), 404, "BDC_1118")


# -- bank account users ------------------------------------------------------------------------------
def test_given_bank_account_users_when_listing_then_complete_and_filtered_to_me_on_request(server, session):
    users = session.get(
        v3(server, "funding-accounts/banks/users"), params={"currentUser": "false", "sort": "archived"}
    )
    assert users.status_code == 200
    for user in users.json()["results"]:
        assert_bill_shape(user, "GET", "/v3/funding-accounts/banks/users", item_of="results")
    me = session.get(v3(server, "login/session")).json()["userId"]
    mine = walk(session, v3(server, "funding-accounts/banks/users"), {"currentUser": "true"})
    assert mine and all(u["userId"] == me for u in mine)
    assert_bill_error(
        session.get(v3(server, "funding-accounts/banks/users"), params={"currentUser": "maybe"}), 400
    )


def test_given_a_nominated_user_then_nominated_until_identity_verification_completes(server, trusted):
    account = verified_bank_account(server, trusted)
    user = new_org_user(server, trusted)
    response = trusted.post(
        v3(server, "funding-accounts/banks/users/nominate"),
        json={"bankAccountId": account["id"], "userId": user},
    )
    assert response.status_code == 200 and response.json() == {"status": "SUCCESS"}

    def status() -> dict[str, Any]:
        rows = walk(trusted, v3(server, "funding-accounts/banks/users"), {"filters": f"userId:eq:{user}"})
        assert len(rows) == 1
        return rows[0]

    nominated = status()
    assert nominated["verificationStatus"] == "NOMINATED" and nominated["bankAccountId"] == account["id"]
    tick(server, 61)
    verified = status()
    assert verified["verificationStatus"] == "VERIFIED" and verified["updatedTime"] > nominated["updatedTime"]
    again = trusted.post(
        v3(server, "funding-accounts/banks/users/nominate"),
        json={"bankAccountId": account["id"], "userId": user},
    )
    assert_bill_error(again, 422, "BDC_1119")


def test_given_a_bank_account_user_when_archiving_then_archived_and_unverified(server, trusted):
    account = verified_bank_account(server, trusted)
    user = new_org_user(server, trusted)
    trusted.post(
        v3(server, "funding-accounts/banks/users/nominate"),
        json={"bankAccountId": account["id"], "userId": user},
    )
    row = walk(trusted, v3(server, "funding-accounts/banks/users"), {"filters": f"userId:eq:{user}"})[0]
    response = trusted.post(v3(server, f"funding-accounts/banks/users/{row['id']}/archive"))
    assert response.status_code == 200
    assert_bill_shape(response.json(), "POST", "/v3/funding-accounts/banks/users/:bankAccountUserId/archive")
    assert response.json()["archived"] is True and response.json()["verificationStatus"] == "UNVERIFIED"


def test_given_a_pending_account_or_unknown_user_when_nominating_then_refused(server, trusted):
    pending = new_bank_account(server, trusted)
    me = trusted.get(v3(server, "login/session")).json()["userId"]
    path = v3(server, "funding-accounts/banks/users/nominate")
    assert_bill_error(
        trusted.post(path, json={"bankAccountId": pending["id"], "userId": me}), 422, "BDC_1119"
    )
    verified = verified_bank_account(server, trusted)
    unknown = {"bankAccountId": verified["id"], "userId": "00601AAAAAAAAAAAAAAA"}
    assert_bill_error(trusted.post(path, json=unknown), 404, "BDC_1118")
    assert_bill_error(trusted.post(path, json={"bankAccountId": verified["id"]}), 400, "BDC_1117")


# -- cards, AP Cards, permissions ------------------------------------------------------------------------
def test_given_my_verified_cards_when_listing_then_cards_and_rates(server, session):
    response = session.get(v3(server, "funding-accounts/cards"), params={"cardUserStatus": "VERIFIED"})
    assert response.status_code == 200
    body = response.json()
    assert body["cards"], "the administrator is a verified user of the company card"
    for card in body["cards"]:
        assert_bill_shape(card, "GET", "/v3/funding-accounts/cards", item_of="cards")
    assert set(body["rates"]) == {"defaultCardAccountId", "funding", "activePromotion"}
    assert body["rates"]["activePromotion"] is None  # no promotion running
    assert body["rates"]["defaultCardAccountId"] in {c["id"] for c in body["cards"]}
    card = session.get(v3(server, f"funding-accounts/cards/{body['cards'][0]['id']}"))
    assert card.status_code == 200 and card.json() == body["cards"][0]
    assert_bill_shape(card.json(), "GET", "/v3/funding-accounts/cards/:cardAccountId")
    nominated = session.get(v3(server, "funding-accounts/cards"), params={"cardUserStatus": "NOMINATED"})
    assert nominated.json()["cards"] == []


@pytest.mark.parametrize("params", [{}, {"cardUserStatus": "ARCHIVED"}])
def test_given_no_valid_card_user_status_when_listing_cards_then_400(server, session, params):
    assert_bill_error(session.get(v3(server, "funding-accounts/cards"), params=params), 400, "BDC_1116")


def test_given_card_account_users_when_listing_then_exactly_bills_fields(server, session):
    response = session.get(v3(server, "funding-accounts/cards/users"), params={"currentUser": "false"})
    assert response.status_code == 200 and response.json()["results"]
    for user in response.json()["results"]:
        assert_bill_shape(user, "GET", "/v3/funding-accounts/cards/users", item_of="results")


def test_given_a_vendor_without_known_industry_when_asking_card_funding_purposes_then_categories(
    server, session
):
    response = session.get(
        v3(server, "funding-accounts/cards/funding-purposes"),
        params={"vendorId": vendor(server), "brand": "visa"},
    )
    assert response.status_code == 200
    assert_bill_shape(response.json(), "GET", "/v3/funding-accounts/cards/funding-purposes")
    assert all(r["category"] and r["subCategories"] for r in response.json()["results"])


def test_given_a_national_biller_when_asking_card_funding_purposes_then_empty_200(server, session):
    params = {"vendorId": vendor(server, "CONNECTED_RPPS"), "brand": "mastercard"}
    response = session.get(v3(server, "funding-accounts/cards/funding-purposes"), params=params)
    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"brand": "visa"}, 400),
        ({"vendorId": "x", "brand": "bitcoin"}, 400),
        ({"vendorId": "00901AAAAAAAAAAAAAAA", "brand": "visa"}, 404),
    ],
)
def test_given_bad_funding_purpose_parameters_then_bills_error(server, session, params, status):
    assert_bill_error(
        session.get(v3(server, "funding-accounts/cards/funding-purposes"), params=params), status
    )


def test_given_ap_cards_when_listing_then_a_plain_array_of_complete_cards(server, session):
    response = session.get(v3(server, "funding-accounts/ap-cards"))
    assert response.status_code == 200 and isinstance(response.json(), list) and response.json()
    example = examples()[("GET", "/v3/funding-accounts/ap-cards")][0]  # BILL answers a bare array
    for card in response.json():
        assert shape(card) == shape(example)
        assert 0 <= card["balance"] <= card["limit"]


def test_given_a_verified_user_of_a_verified_account_then_permissions_allow_paying_online(server, session):
    response = session.get(v3(server, "funding-accounts/permissions"))
    assert response.status_code == 200
    assert_bill_shape(response.json(), "GET", "/v3/funding-accounts/permissions")
    assert response.json()["user"]["payOnline"] is True
    assert response.json()["organization"]["card"]["payByCard"] is True


# -- MFA ----------------------------------------------------------------------------------------------
def test_given_the_seeded_administrator_when_listing_mfa_phones_then_one_primary_mobile(server, session):
    response = session.get(v3(server, "mfa/phones"))
    assert response.status_code == 200
    phones = response.json()["results"]
    assert_bill_shape(response.json(), "GET", "/v3/mfa/phones")
    assert [p["primary"] for p in phones].count(True) == 1 and len(phones[0]["last4digits"]) == 4


def test_given_a_challenge_and_the_code_when_validating_then_the_session_is_trusted(server):
    s = org_session(server)
    assert not is_trusted(server, s)
    challenge = s.post(v3(server, "mfa/challenge"), json={"useBackup": False})
    assert challenge.status_code == 200 and set(challenge.json()) == {"challengeId"}
    body = {
        "challengeId": challenge.json()["challengeId"],
        "token": EMULATOR_TOKEN,
        "device": DEVICE,
        "machineName": "m1",
        "rememberMe": True,
    }
    validated = s.post(v3(server, "mfa/challenge/validate"), json=body)
    assert validated.status_code == 200 and set(validated.json()) == {"rememberMeId"}
    assert validated.json()["rememberMeId"] and is_trusted(server, s)
    assert (
        s.post(v3(server, "funding-accounts/banks"), json={**BANK, "accountNumber": "700700700"}).status_code
        == 201
    )
    reused = s.post(v3(server, "mfa/challenge/validate"), json=body)
    assert_bill_error(reused, 404, "BDC_1118")  # a challenge is good for one validation


def test_given_a_remembered_device_when_stepping_up_a_new_session_then_trusted(server):
    remember_me_id = mfa_sign_in(server, org_session(server))
    s = org_session(server)
    wrong = s.post(v3(server, "mfa/step-up"), json={"rememberMeId": remember_me_id, "device": "someone else"})
    assert wrong.status_code == 200 and wrong.json() == {"trusted": False} and not is_trusted(server, s)
    response = s.post(v3(server, "mfa/step-up"), json={"rememberMeId": remember_me_id, "device": DEVICE})
    assert response.status_code == 200 and response.json() == {"trusted": True}
    assert is_trusted(server, s)
    assert_bill_error(s.post(v3(server, "mfa/step-up"), json={"device": DEVICE}), 400, "BDC_1117")


def test_given_wrong_codes_when_validating_then_400_until_the_challenge_dies(server):
    s = org_session(server)
    challenge_id = s.post(v3(server, "mfa/challenge"), json={}).json()["challengeId"]
    body = {"challengeId": challenge_id, "token": "000000"}
    assert_bill_error(s.post(v3(server, "mfa/challenge/validate"), json=body), 400, "BDC_1117")
    assert_bill_error(s.post(v3(server, "mfa/challenge/validate"), json=body), 400, "BDC_1117")
    assert_bill_error(s.post(v3(server, "mfa/challenge/validate"), json=body), 422, "BDC_1119")
    right = s.post(v3(server, "mfa/challenge/validate"), json={**body, "token": EMULATOR_TOKEN})
    assert_bill_error(right, 404, "BDC_1118")
    assert not is_trusted(server, s)


def test_given_an_old_challenge_when_validating_then_expired(server):
    s = org_session(server)
    challenge_id = s.post(v3(server, "mfa/challenge"), json={}).json()["challengeId"]
    tick(server, 601)
    s = org_session(server)  # the first session may have idled; challenges belong to the user
    response = s.post(
        v3(server, "mfa/challenge/validate"), json={"challengeId": challenge_id, "token": EMULATOR_TOKEN}
    )
    assert_bill_error(response, 422, "BDC_1119")


def test_given_remember_me_without_device_when_validating_then_400(server):
    s = org_session(server)
    challenge_id = s.post(v3(server, "mfa/challenge"), json={}).json()["challengeId"]
    body = {"challengeId": challenge_id, "token": EMULATOR_TOKEN, "rememberMe": True}
    assert_bill_error(s.post(v3(server, "mfa/challenge/validate"), json=body), 400, "BDC_1117")


def test_given_mfa_already_set_up_when_adding_a_phone_untrusted_then_403(server):
    s = org_session(server)
    body = {"phone": "4155550123", "type": "TEXT", "primary": False}
    assert_bill_error(s.post(v3(server, "mfa/setup"), json=body), 403, "BDC_1361")


def test_given_a_trusted_session_when_adding_a_backup_phone_then_it_is_listed_and_usable(server, trusted):
    body = {"phone": "(415) 555-0199", "type": "TEXT", "primary": False}
    setup = trusted.post(v3(server, "mfa/setup"), json=body)
    assert setup.status_code == 200 and set(setup.json()) == {"setupId"}
    wrong = trusted.post(
        v3(server, "mfa/setup/validate"),
        json={"setupId": setup.json()["setupId"], "type": "TEXT", "token": "123"},
    )
    assert_bill_error(wrong, 400, "BDC_1117")
    response = trusted.post(
        v3(server, "mfa/setup/validate"),
        json={"setupId": setup.json()["setupId"], "type": "TEXT", "token": EMULATOR_TOKEN},
    )
    assert response.status_code == 200 and response.json() == {"status": "SUCCESS"}
    phones = trusted.get(v3(server, "mfa/phones")).json()["results"]
    assert {"type": "MOBILE", "last4digits": "0199", "primary": False} in phones
    assert [p["primary"] for p in phones].count(True) == 1
    backup = trusted.post(v3(server, "mfa/challenge"), json={"useBackup": "true"})
    assert backup.status_code == 200


@pytest.mark.parametrize("body", [{"phone": "555"}, {"phone": "4155550123", "type": "FAX"}, {}])
def test_given_a_bad_phone_when_setting_up_mfa_then_400(server, trusted, body):
    assert_bill_error(trusted.post(v3(server, "mfa/setup"), json=body), 400, "BDC_1117")


# -- risk verification ----------------------------------------------------------------------------------
def test_given_a_seeded_organization_then_risk_verification_is_approved_and_phone_on_file(server, session):
    response = session.get(v3(server, "risk-verifications"))
    assert response.status_code == 200
    assert_bill_shape(response.json(), "GET", "/v3/risk-verifications")
    assert response.json()["processingStatus"] == "COMPLETED" and response.json()["decision"] == "APPROVED"
    phone = session.get(v3(server, "risk-verifications/phone"))
    assert phone.status_code == 200 and phone.json() == {"hasPhone": True}


def test_given_an_organization_never_verified_then_phone_first_then_hold_then_approved(server, session):
    store, org = server.emulator.store, org_id(server)
    me = session.get(v3(server, "login/session")).json()["userId"]
    store.execute("DELETE FROM meta WHERE key = ?", (f"risk-verification:{org}",))  # as if never started
    store.delete(PHONE_KIND, me)
    assert_bill_error(session.get(v3(server, "risk-verifications")), 404, "BDC_1118")
    assert session.get(v3(server, "risk-verifications/phone")).json() == {"hasPhone": False}
    assert_bill_error(session.post(v3(server, "risk-verifications")), 422, "BDC_1119")

    bad = session.post(
        v3(server, "risk-verifications/phone"), json={"phoneNumber": "12", "phoneType": "MOBILE"}
    )
    assert_bill_error(bad, 400, "BDC_1117")
    added = session.post(
        v3(server, "risk-verifications/phone"), json={"phoneNumber": "4155550188", "phoneType": "MOBILE"}
    )
    assert added.status_code == 200 and added.content == b""
    assert session.get(v3(server, "risk-verifications/phone")).json() == {"hasPhone": True}

    started = session.post(v3(server, "risk-verifications"))
    assert started.status_code == 200
    assert_bill_shape(started.json(), "POST", "/v3/risk-verifications")
    assert (started.json()["processingStatus"], started.json()["decision"]) == ("IN_PROGRESS", "HOLD")
    assert session.get(v3(server, "risk-verifications")).json() == started.json()
    tick(server, RISK_SECONDS + 1)
    done = session.get(v3(server, "risk-verifications")).json()
    assert (done["processingStatus"], done["decision"]) == ("COMPLETED", "APPROVED")
    assert done["referenceId"] == started.json()["referenceId"]


# -- organization extras ---------------------------------------------------------------------------------
def test_given_the_industry_list_then_it_holds_the_organizations_industry(server, session):
    response = session.get(v3(server, "organizations/industries"))
    assert response.status_code == 200
    assert_bill_shape(response.json(), "GET", "/v3/organizations/industries")
    organization = session.get(v3(server, f"organizations/{org_id(server)}")).json()
    assert organization["industry"] in response.json()["results"]


def test_given_monthly_billing_when_walking_statements_then_one_per_month_newest_first(server, session):
    path = v3(server, f"organizations/{org_id(server)}/billing-statements")
    statements = walk(session, path, {"max": 7})
    assert len(statements) >= 24
    for statement in statements:
        assert_bill_shape(
            statement, "GET", "/v3/organizations/:organizationId/billing-statements", item_of="results"
        )
    dates = [s["invoiceDate"] for s in statements]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    assert all(s["paymentStatus"] == "PAID" for s in statements[1:])
    ranged = session.get(path, params={"invoiceDateFrom": dates[5], "invoiceDateTo": dates[2]})
    assert ranged.status_code == 200
    assert [s["invoiceDate"] for s in ranged.json()["results"]] == dates[2:6]


@pytest.mark.parametrize(
    "params",
    [
        {"invoiceDateFrom": "2025-01-01"},
        {"invoiceDateFrom": "2025-01-01", "invoiceDateTo": "2025-06-30", "max": "5"},
        {"invoiceDateFrom": "01/01/2025", "invoiceDateTo": "2025-06-30"},
        {"max": "0"},
    ],
)
def test_given_bad_statement_parameters_then_400(server, session, params):
    path = v3(server, f"organizations/{org_id(server)}/billing-statements")
    assert_bill_error(session.get(path, params=params), 400, "BDC_1116")


def test_given_a_statement_when_reading_details_then_lines_add_up_and_links_exist(server, session):
    path = v3(server, f"organizations/{org_id(server)}/billing-statements")
    listed = session.get(path, params={"max": 1}).json()["results"][0]
    response = session.get(f"{path}/{listed['id']}")
    assert response.status_code == 200
    detail = response.json()
    assert_bill_shape(
        detail, "GET", "/v3/organizations/:organizationId/billing-statements/:billingStatementId"
    )
    assert {k: detail[k] for k in listed} == listed
    assert round(sum(line["amount"] for line in detail["statementDetails"]), 2) == detail["amount"]
    assert detail["downloadLink"]["pdf"] and detail["downloadLink"]["csv"]
    assert_bill_error(session.get(f"{path}/bst01AAAAAAAAAAAAAAA"), 404, "BDC_1118")


def test_given_another_organization_when_reading_its_statements_or_plan_then_403(server, session):
    other = next(
        o for o in server.emulator.credentials["organizations"] if o["organization_id"] != org_id(server)
    )
    assert_bill_error(
        session.get(v3(server, f"organizations/{other['organization_id']}/billing-statements")),
        403,
        "BDC_1145",
    )
    assert_bill_error(
        session.get(v3(server, f"organizations/{other['organization_id']}/price-plan")), 403, "BDC_1145"
    )


def test_given_the_price_plan_then_statements_charge_its_user_price(server, session):
    plan = session.get(v3(server, f"organizations/{org_id(server)}/price-plan"))
    assert plan.status_code == 200
    assert_bill_shape(plan.json(), "GET", "/v3/organizations/:organizationId/price-plan")
    first_tier = plan.json()["planTerms"][0]
    assert first_tier["tier"] == 1 and first_tier["price"] == plan.json()["monthlyPrice"]
    path = v3(server, f"organizations/{org_id(server)}/billing-statements")
    statement = session.get(path, params={"max": 1}).json()["results"][0]
    detail = session.get(f"{path}/{statement['id']}").json()
    subscription = next(d for d in detail["statementDetails"] if d["type"] == "SUBSCRIPTION")
    assert subscription["amount"] == round(subscription["quantity"] * plan.json()["monthlyPrice"], 2)


# -- attachments ---------------------------------------------------------------------------------------
def upload(
    server, s: requests.Session, owner: str, name: str = "notes.json", **params: str
) -> requests.Response:
    """Uploads a JSON file: the emulator's pipeline parses every body as JSON (see the PDF test below)."""
    return s.post(
        v3(server, f"attachments/{owner}"),
        params={"name": name, **params},
        data=b'{"note": "signed W-9 on file"}',
        headers={"Content-Type": "application/json"},
    )


def test_given_an_upload_when_listing_getting_and_deleting_then_the_attachment_lives_and_dies(
    server, session
):
    customer = session.get(v3(server, "customers"), params={"max": 1}).json()["results"][0]["id"]
    response = upload(server, session, f"customers/{customer}", "w9.json")
    assert response.status_code == 200, response.text
    attachment = response.json()
    assert_bill_shape(attachment, "POST", "/v3/attachments/customers/:customerId")
    assert (
        attachment["id"].startswith("att") and attachment["name"] == "w9.json" and attachment["downloadLink"]
    )
    listed = session.get(v3(server, f"attachments/customers/{customer}"), params={"max": 10})
    assert listed.status_code == 200 and attachment in listed.json()["results"]
    assert_bill_shape(
        listed.json()["results"][0], "GET", "/v3/attachments/customers/:customerId", item_of="results"
    )
    fetched = session.get(v3(server, f"attachments/{attachment['id']}"))
    assert fetched.status_code == 200 and fetched.json() == attachment
    deleted = session.delete(v3(server, f"attachments/{attachment['id']}"))
    assert deleted.status_code == 200 and deleted.json() == {"status": "SUCCESS"}
    assert_bill_error(session.get(v3(server, f"attachments/{attachment['id']}")), 404, "BDC_1118")
    assert attachment not in session.get(v3(server, f"attachments/customers/{customer}")).json()["results"]


def test_given_replace_invoice_pdf_when_uploading_then_the_invoice_points_at_it(server, session):
    invoice = session.get(v3(server, "invoices"), params={"max": 1}).json()["results"][0]
    response = upload(server, session, f"invoices/{invoice['id']}", "invoice.json", replaceInvoicePdf="true")
    assert response.status_code == 200
    after = session.get(v3(server, f"invoices/{invoice['id']}")).json()
    assert after["invoicePdfId"] == response.json()["id"]
    listed = session.get(v3(server, f"attachments/invoices/{invoice['id']}")).json()["results"]
    assert response.json() in listed


def test_given_a_vendor_when_uploading_then_listed_under_the_vendor(server, session):
    owner = vendor(server)
    response = upload(server, session, f"vendors/{owner}")
    assert response.status_code == 200
    assert [a["id"] for a in session.get(v3(server, f"attachments/vendors/{owner}")).json()["results"]] == [
        response.json()["id"]
    ]


@pytest.mark.parametrize(
    ("owner", "params", "status"),
    [("customers/0cu01AAAAAAAAAAAAAAA", {"name": "a.json"}, 404), ("customers/{customer}", {}, 400)],
)
def test_given_a_bad_upload_then_bills_error(server, session, owner, params, status):
    customer = session.get(v3(server, "customers"), params={"max": 1}).json()["results"][0]["id"]
    response = session.post(
        v3(server, f"attachments/{owner.format(customer=customer)}"), params=params, data=b"{}"
    )
    assert_bill_error(response, status)


def test_given_a_pdf_when_uploading_then_200(server, session):
    customer = session.get(v3(server, "customers"), params={"max": 1}).json()["results"][0]["id"]
    response = session.post(
        v3(server, f"attachments/customers/{customer}"),
        params={"name": "business_details.pdf"},
        data=b"%PDF-1.4\n%%EOF\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
