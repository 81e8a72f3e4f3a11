"""Signing in as BILL does it: org login, sync tokens, 35-minute idle sessions, logout, partner keys."""

from __future__ import annotations

import pytest
import requests

from bill_emulator import EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, login, org_session


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", fake_clock=True)) as running:
        yield running


def test_given_valid_credentials_when_logging_in_then_session_and_ids_returned(server):
    response = login(server)
    assert response.status_code == 200
    body = response.json()
    creds = server.config("ap_ar")["credentials"]
    assert set(body) == {"sessionId", "organizationId", "userId", "trusted"}
    assert body["organizationId"] == creds["organization_id"] and body["userId"].startswith("006")
    assert body["trusted"] is False


def test_given_sync_token_name_and_value_when_logging_in_then_they_stand_for_username_and_password(server):
    creds = server.emulator.credentials["ap_ar"]
    response = login(server, username=creds["sync_token_name"], password=creds["sync_token"])
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"password": "wrong"}, "BDC_1101"),
        ({"username": "nobody@example.com"}, "BDC_1101"),
        ({"devKey": "01NotARealDeveloperKey"}, "BDC_1102"),
        ({"organizationId": "00801AAAAAAAAAAAAAAA"}, "BDC_1101"),
    ],
)
def test_given_wrong_credentials_when_logging_in_then_bill_code_says_which(server, overrides, code):
    error = assert_bill_error(login(server, **overrides), 400 if code == "BDC_1101" else 401, code)
    assert error["severity"] == "ERROR"


def test_given_an_organization_without_api_access_when_logging_in_then_bdc_1105(server):
    org = next(o for o in server.emulator.credentials["organizations"] if not o["api_access"])
    response = login(
        server, username=org["username"], password=org["password"], organizationId=org["organization_id"]
    )
    assert_bill_error(response, 403, "BDC_1105")


def test_given_missing_fields_when_logging_in_then_400(server):
    response = requests.post(f"{server.base_url}/v3/login", json={"username": "x"}, timeout=30)
    assert_bill_error(response, 400)


def test_given_session_idle_for_35_minutes_when_calling_then_401_bdc_1109(server):
    session = org_session(server)
    url = f"{server.base_url}/v3/customers"
    server.emulator.advance_clock(34 * 60)
    assert session.get(url).status_code == 200  # resets the idle timer
    server.emulator.advance_clock(34 * 60)
    assert session.get(url).status_code == 200
    server.emulator.advance_clock(35 * 60)
    assert_bill_error(session.get(url), 401, "BDC_1109")
    assert_bill_error(session.get(url), 401, "BDC_1109")


def test_given_a_sync_token_session_when_idle_for_an_hour_then_it_still_works_until_48_hours(server):
    creds = server.emulator.credentials["ap_ar"]
    sid = login(server, username=creds["sync_token_name"], password=creds["sync_token"]).json()["sessionId"]
    headers = {"devKey": creds["dev_key"], "sessionId": sid}
    server.emulator.advance_clock(3600)
    assert requests.get(f"{server.base_url}/v3/users", headers=headers, timeout=30).status_code == 200
    server.emulator.advance_clock(48 * 3600)
    assert_bill_error(
        requests.get(f"{server.base_url}/v3/users", headers=headers, timeout=30), 401, "BDC_1109"
    )


def test_given_logout_when_calling_again_then_session_is_invalid(server):
    session = org_session(server)
    assert session.post(f"{server.base_url}/v3/logout").status_code == 200
    assert_bill_error(session.get(f"{server.base_url}/v3/customers"), 401, "BDC_1109")


def test_given_session_of_another_dev_key_when_calling_then_rejected(server):
    session = org_session(server)
    session.headers["devKey"] = "01SomeOtherKey0000000"
    assert_bill_error(session.get(f"{server.base_url}/v3/customers"), 401, "BDC_1102")


def test_given_session_details_when_asked_then_org_user_and_mfa_status(server):
    body = org_session(server).get(f"{server.base_url}/v3/login/session").json()
    assert set(body) == {"organizationId", "userId", "mfaStatus", "mfaBypass"}


def test_given_no_headers_when_listing_then_401(server):
    assert_bill_error(requests.get(f"{server.base_url}/v3/customers", timeout=30), 401)


def test_given_partner_credentials_when_logging_in_then_session_only(server):
    partner = server.config("partner")["credentials"]
    body = {"username": partner["username"], "password": partner["password"], "appKey": partner["app_key"]}
    response = requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30)
    assert response.status_code == 200 and set(response.json()) == {"sessionId"}
    bad = requests.post(f"{server.base_url}/v3/partner/login", json={**body, "appKey": "nope"}, timeout=30)
    assert_bill_error(bad, 401)


def test_given_file_database_when_restarting_then_data_and_credentials_survive(tmp_path):
    db = str(tmp_path / "bill.sqlite")
    with running_emulator(EmulatorSettings(scale="tiny", db_path=db)) as first:
        session = org_session(first)
        created = session.post(f"{first.base_url}/v3/customers", json={"name": "Kept Across Restarts"}).json()
        creds = first.config("ap_ar")
    with running_emulator(EmulatorSettings(scale="tiny", db_path=db)) as second:
        assert second.config("ap_ar")["credentials"] == creds["credentials"]
        got = org_session(second).get(f"{second.base_url}/v3/customers/{created['id']}")
        assert got.status_code == 200 and got.json()["name"] == "Kept Across Restarts"
