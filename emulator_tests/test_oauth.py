"""BILL's 2026 ways in: OAuth client credentials (`POST /authx/token`, then `Authorization: Bearer` on
every AP/AR and Spend & Expense call, never on partner routes) and the Accountant Console API token
(`consoleApiToken` in place of the password on `POST /v3/login`)."""

from __future__ import annotations

import base64
import http.client
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bill_emulator import Emulator, EmulatorServer, EmulatorSettings, Faults, Limits, running_emulator
from bill_emulator.handlers import ORG, PARTNER, PARTNER_ORG, SPEND, Endpoint
from bill_emulator.routes import endpoints
from emulator_tests.wire import assert_bill_error, login, org_session

ROUTES = endpoints()
_PARAM = re.compile(r"\{(\w+)\}")
_RFC_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", fake_clock=True)) as running:
        yield running


# -- helpers ------------------------------------------------------------------------------------------
def gateway_root(server: EmulatorServer) -> str:
    return server.base_url.removesuffix("/connect")


def client(server: EmulatorServer) -> dict[str, str]:
    return server.config("oauth")["credentials"]


def request_token(server: EmulatorServer, url: str | None = None, **form: str) -> requests.Response:
    creds = client(server)
    body = {
        "grant_type": "client_credentials",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        **form,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return requests.post(url or f"{gateway_root(server)}/authx/token", data=body, timeout=30)


def bearer(server: EmulatorServer) -> requests.Session:
    response = request_token(server)
    assert response.status_code == 200, response.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


def assert_oauth_error(response: requests.Response, status: int, error: str) -> dict[str, Any]:
    """An RFC 6749 §5.2 error: a JSON object with `error` and a readable `error_description`."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error", "error_description"}, body
    assert body["error"] == error and body["error"] in _RFC_ERRORS, body
    assert isinstance(body["error_description"], str) and body["error_description"], body
    return body


def fill(path: str) -> str:
    return _PARAM.sub("0000000000000000000X", path)


# -- the token endpoint ---------------------------------------------------------------------------------
def test_given_client_credentials_when_requesting_token_then_bearer_reads_invoices(server):
    response = request_token(server)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    token = response.json()
    assert set(token) == {"access_token", "token_type", "expires_in"}
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert isinstance(token["access_token"], str) and len(token["access_token"]) >= 32

    headers = {"Authorization": f"Bearer {token['access_token']}"}
    invoices = requests.get(
        f"{server.base_url}/v3/invoices", params={"max": 100}, headers=headers, timeout=30
    )
    assert invoices.status_code == 200, invoices.text
    by_session = org_session(server).get(f"{server.base_url}/v3/invoices", params={"max": 100}).json()
    assert [i["id"] for i in invoices.json()["results"]] == [i["id"] for i in by_session["results"]]
    assert invoices.json()["results"], "the app's organization has invoices"


def test_given_the_connect_prefix_when_requesting_token_then_it_is_served_there_too(server):
    response = request_token(server, url=f"{server.base_url}/authx/token")
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"


def test_given_http_basic_client_authentication_when_requesting_token_then_token_issued(server):
    creds = client(server)
    response = requests.post(
        f"{gateway_root(server)}/authx/token",
        data={"grant_type": "client_credentials"},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    assert session.get(f"{server.base_url}/v3/customers").status_code == 200


def test_given_each_request_when_requesting_tokens_then_each_gets_its_own_working_token(server):
    first, second = bearer(server), bearer(server)
    assert first.headers["Authorization"] != second.headers["Authorization"]
    for session in (first, second):
        assert session.get(f"{server.base_url}/v3/vendors").status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": "no-such-client"}, 401, "invalid_client"),
        ({"client_secret": "not-the-secret"}, 401, "invalid_client"),
        ({"client_secret": None}, 401, "invalid_client"),
        ({"client_id": None, "client_secret": None}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"grant_type": ""}, 400, "invalid_request"),
    ],
    ids=[
        "bad-client",
        "bad-secret",
        "no-secret",
        "no-client",
        "password-grant",
        "code-grant",
        "no-grant",
        "blank-grant",
    ],
)
def test_given_a_bad_token_request_when_requesting_token_then_rfc_6749_error(server, form, status, error):
    assert_oauth_error(request_token(server, **form), status, error)


def test_given_a_wrong_secret_over_http_basic_when_requesting_token_then_401_with_a_basic_challenge(server):
    creds = client(server)
    response = requests.post(
        f"{gateway_root(server)}/authx/token",
        data={"grant_type": "client_credentials"},
        auth=(creds["client_id"], "not-the-secret"),
        timeout=30,
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_given_a_malformed_basic_header_when_requesting_token_then_401_invalid_client(server):
    for value in ("Basic !!!not-base64!!!", f"Basic {base64.b64encode(b'no-colon').decode()}"):
        response = requests.post(
            f"{gateway_root(server)}/authx/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": value},
            timeout=30,
        )
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic ")


def test_given_a_scope_when_requesting_token_then_it_is_ignored(server):
    response = request_token(server, scope="read write")
    assert response.status_code == 200 and set(response.json()) == {
        "access_token",
        "token_type",
        "expires_in",
    }


def test_given_a_fractional_lifetime_when_requesting_token_then_expires_in_is_rounded_up():
    with running_emulator(EmulatorSettings(scale="tiny", oauth_token_seconds=2.5)) as server:
        assert request_token(server).json()["expires_in"] == 3


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Type": "application/json"}, "json"),
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"grant_type=client_credentials&grant_type=x",
        ),
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"grant_type=client_credentials&client_id=%ff",
        ),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "basic+secret"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "basic+other-id"),
    ],
    ids=["json-body", "repeated-parameter", "not-utf8", "two-auth-methods", "ids-disagree"],
)
def test_given_a_malformed_token_request_when_requesting_token_then_400_invalid_request(
    server, headers, body
):
    creds = client(server)
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    if body == "json":
        body = json.dumps({"grant_type": "client_credentials", **creds}).encode()
    elif body == "basic+secret":
        headers = {**headers, "Authorization": f"Basic {basic}"}
        body = f"grant_type=client_credentials&client_secret={creds['client_secret']}".encode()
    elif body == "basic+other-id":
        headers = {**headers, "Authorization": f"Basic {basic}"}
        body = b"grant_type=client_credentials&client_id=someone-else"
    response = requests.post(f"{gateway_root(server)}/authx/token", data=body, headers=headers, timeout=30)
    assert_oauth_error(response, 400, "invalid_request")


def test_given_a_get_when_calling_the_token_endpoint_then_404_bdc_1121(server):
    response = requests.get(f"{gateway_root(server)}/authx/token", timeout=30)
    assert_bill_error(response, 404, "BDC_1121")


def test_given_the_api_at_the_gateway_root_when_calling_then_only_the_token_endpoint_is_there(server):
    session = bearer(server)
    assert_bill_error(session.get(f"{gateway_root(server)}/v3/invoices"), 404, "BDC_1121")


def test_given_token_requests_when_counting_then_they_are_logins(server):
    before = server.counters()
    request_token(server)
    request_token(server, client_secret="wrong")
    after = server.counters()
    assert after["logins"] - before["logins"] == 2
    assert after["per_route"]["oauth.token"] - before["per_route"].get("oauth.token", 0) == 2


# -- Bearer on AP/AR and Spend & Expense routes ---------------------------------------------------------
def test_given_a_bearer_token_when_asking_session_details_then_the_apps_organization_and_its_admin(server):
    details = bearer(server).get(f"{server.base_url}/v3/login/session")
    assert details.status_code == 200, details.text
    signed_in = login(server).json()
    assert details.json()["organizationId"] == server.emulator.credentials["oauth"]["organization_id"]
    assert details.json()["organizationId"] == signed_in["organizationId"]
    assert details.json()["userId"] == signed_in["userId"]  # the administrator who created the app
    role = bearer(server).get(f"{server.base_url}/v3/users/{signed_in['userId']}").json()["role"]
    assert role["type"] == "ADMINISTRATOR"


def test_given_a_bearer_token_when_writing_then_it_acts_for_the_apps_organization(server):
    session = bearer(server)
    created = session.post(f"{server.base_url}/v3/customers", json={"name": "Made Over OAuth"})
    assert created.status_code == 201, created.text
    seen = org_session(server).get(f"{server.base_url}/v3/customers/{created.json()['id']}")
    assert seen.status_code == 200 and seen.json()["name"] == "Made Over OAuth"


def test_given_a_bearer_token_when_listing_spend_transactions_then_the_companys_transactions(server):
    session = bearer(server)
    server.emulator.advance_clock(61)  # a fresh S&E minute
    listed = session.get(f"{server.base_url}/v3/spend/transactions", params={"max": 50})
    assert listed.status_code == 200, listed.text
    api_token = server.config("spend_expense")["credentials"]["api_token"]
    by_token = requests.get(
        f"{server.base_url}/v3/spend/transactions",
        params={"max": 50},
        headers={"apiToken": api_token},
        timeout=30,
    )
    assert [t["id"] for t in listed.json()["results"]] == [t["id"] for t in by_token.json()["results"]]
    assert listed.json()["results"] and "nextPage" in listed.json()


def test_given_a_bearer_token_when_asking_the_current_spend_user_then_the_api_token_owner(server):
    server.emulator.advance_clock(61)
    mine = bearer(server).get(f"{server.base_url}/v3/spend/users/current")
    api_token = server.config("spend_expense")["credentials"]["api_token"]
    owner = requests.get(
        f"{server.base_url}/v3/spend/users/current", headers={"apiToken": api_token}, timeout=30
    )
    assert mine.status_code == 200 and mine.json() == owner.json()
    assert mine.json()["role"] == "ADMIN"


@pytest.mark.parametrize("value", ["Bearer not-a-token", "Bearer ", "bearer not-a-token", "Bearer"])
def test_given_an_unknown_bearer_token_when_calling_then_401_invalid_session_or_token(server, value):
    headers = {"Authorization": value}
    assert_bill_error(
        requests.get(f"{server.base_url}/v3/invoices", headers=headers, timeout=30), 401, "BDC_1109"
    )
    spend = requests.get(f"{server.base_url}/v3/spend/budgets", headers=headers, timeout=30)
    assert_bill_error(spend, 401, "BDC_1147")


def test_given_an_spend_api_token_sent_as_a_bearer_when_calling_then_judged_by_the_api_token_header(server):
    """The pre-2026 mistake (REFERENCE §2.5): an S&E API token is not an access token. S&E routes
    ignore such a Bearer header, so the answer is what the apiToken header alone gets."""
    api_token = server.config("spend_expense")["credentials"]["api_token"]
    server.emulator.advance_clock(61)
    as_bearer = {"Authorization": f"Bearer {api_token}"}
    url = f"{server.base_url}/v3/spend/budgets"
    assert_bill_error(requests.get(url, headers=as_bearer, timeout=30), 400, "BDC_1147")
    both = requests.get(url, headers={**as_bearer, "apiToken": api_token}, timeout=30)
    assert both.status_code == 200
    assert_bill_error(
        requests.get(f"{server.base_url}/v3/invoices", headers=as_bearer, timeout=30), 401, "BDC_1109"
    )


def test_given_a_bearer_and_a_working_session_when_calling_then_the_bearer_decides(server):
    session = org_session(server)
    session.headers["Authorization"] = "Bearer not-a-token"
    assert_bill_error(session.get(f"{server.base_url}/v3/invoices"), 401, "BDC_1109")


def test_given_an_access_token_as_session_id_when_calling_then_401_bdc_1109(server):
    token = request_token(server).json()["access_token"]
    headers = {"devKey": server.config("ap_ar")["credentials"]["dev_key"], "sessionId": token}
    assert_bill_error(
        requests.get(f"{server.base_url}/v3/invoices", headers=headers, timeout=30), 401, "BDC_1109"
    )


def test_given_an_expired_token_when_calling_then_refused_and_a_new_token_works():
    settings = EmulatorSettings(scale="tiny", fake_clock=True, oauth_token_seconds=5)
    with running_emulator(settings) as server:
        response = request_token(server)
        assert response.json()["expires_in"] == 5
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        assert session.get(f"{server.base_url}/v3/invoices").status_code == 200
        server.emulator.advance_clock(4)
        assert session.get(f"{server.base_url}/v3/invoices").status_code == 200  # not sliding: 1 s left
        server.emulator.advance_clock(1)

        assert_bill_error(session.get(f"{server.base_url}/v3/invoices"), 401, "BDC_1109")
        assert_bill_error(session.get(f"{server.base_url}/v3/spend/budgets"), 401, "BDC_1147")
        assert_bill_error(session.get(f"{server.base_url}/v3/invoices"), 401, "BDC_1109")

        renewed = bearer(server)
        assert renewed.get(f"{server.base_url}/v3/invoices").status_code == 200
        assert renewed.get(f"{server.base_url}/v3/spend/budgets").status_code == 200


def test_given_a_bearer_token_when_logging_out_then_that_token_is_revoked(server):
    session, other = bearer(server), bearer(server)
    assert session.post(f"{server.base_url}/v3/logout").status_code == 200
    assert_bill_error(session.get(f"{server.base_url}/v3/invoices"), 401, "BDC_1109")
    assert other.get(f"{server.base_url}/v3/invoices").status_code == 200


def test_given_a_bearer_token_when_an_mfa_guarded_call_then_untrusted_until_the_mfa_challenge(server):
    from bill_emulator.backends.mfa import EMULATOR_TOKEN

    session = bearer(server)
    bank = {
        "nameOnAccount": "OAuth Ops",
        "routingNumber": "021000021",
        "accountNumber": "555000111",
        "type": "CHECKING",
        "ownerType": "BUSINESS",
        "bankName": "Chase",
    }
    url = f"{server.base_url}/v3/funding-accounts/banks"
    assert_bill_error(session.post(url, json=bank), 403, "BDC_1361")
    challenge = session.post(f"{server.base_url}/v3/mfa/challenge", json={"useBackup": "false"})
    assert challenge.status_code == 200, challenge.text
    body = {"challengeId": challenge.json()["challengeId"], "token": EMULATOR_TOKEN}
    assert session.post(f"{server.base_url}/v3/mfa/challenge/validate", json=body).status_code == 200
    created = session.post(url, json=bank)
    assert created.status_code == 201, created.text
    assert_bill_error(bearer(server).post(url, json=bank), 403, "BDC_1361")  # trust is per token


def test_given_forced_expiry_every_3_requests_when_calling_with_a_bearer_then_third_refused():
    with running_emulator(EmulatorSettings(scale="tiny", faults=Faults(expire_session_every=3))) as server:
        session = bearer(server)
        url = f"{server.base_url}/v3/customers"
        assert [session.get(url).status_code for _ in range(3)] == [200, 200, 401]
        assert_bill_error(session.get(url), 401, "BDC_1109")
        assert bearer(server).get(url).status_code == 200


def test_given_a_bearer_token_when_calling_any_partner_route_then_refused_like_unknown_credentials(server):
    session = bearer(server)
    session.headers["organizationId"] = server.emulator.credentials["oauth"]["organization_id"]
    partner_routes = [e for e in ROUTES if e.auth in (PARTNER, PARTNER_ORG)]
    assert len(partner_routes) >= 10
    for endpoint in partner_routes:
        response = session.request(endpoint.method, f"{server.base_url}{fill(endpoint.path)}", json={})
        assert_bill_error(response, 401, "BDC_1146")


def test_given_an_unknown_bearer_token_on_every_ap_ar_and_spend_route_then_401_never_2xx(server):
    headers = {"Authorization": "Bearer revoked-or-never-issued"}
    routes = [e for e in ROUTES if e.auth in (ORG, SPEND)]
    assert len(routes) > 200
    for endpoint in routes:
        response = requests.request(
            endpoint.method, f"{server.base_url}{fill(endpoint.path)}", headers=headers, json={}, timeout=30
        )
        assert_bill_error(response, 401, "BDC_1147" if endpoint.auth == SPEND else "BDC_1109")


# -- limits ---------------------------------------------------------------------------------------------
def test_given_the_login_limit_when_requesting_tokens_then_the_next_one_is_refused():
    limits = Limits(logins_per_hour=3)
    with running_emulator(EmulatorSettings(scale="tiny", limits=limits, fake_clock=True)) as server:
        server.emulator.advance_clock(3600 - server.emulator.clock.now() % 3600 + 1)
        assert [request_token(server).status_code for _ in range(3)] == [200, 200, 200]
        assert_bill_error(request_token(server), 429, "BDC_1148")
        assert login(server).status_code == 200  # the developer key's logins are counted apart
        server.emulator.advance_clock(3600)
        assert request_token(server).status_code == 200


def test_given_the_hourly_budget_when_calling_with_a_bearer_then_bdc_1144_keyed_by_the_client_id():
    limits = Limits(requests_per_hour=6)
    settings = EmulatorSettings(
        scale="tiny", limits=limits, fake_clock=True, session_idle_seconds=7200, oauth_token_seconds=7200
    )
    with running_emulator(settings) as server:
        server.emulator.advance_clock(3600 - server.emulator.clock.now() % 3600 + 1)
        session = bearer(server)  # the token request is one of the client id's 6
        url = f"{server.base_url}/v3/customers"
        assert all(session.get(url).status_code == 200 for _ in range(5))
        assert_bill_error(session.get(url), 429, "BDC_1144")
        assert org_session(server).get(url).status_code == 200  # the developer key's budget is its own
        server.emulator.advance_clock(3600)
        assert session.get(url).status_code == 200


def test_given_more_than_3_bearer_calls_in_flight_when_calling_then_bdc_1322():
    settings = EmulatorSettings(scale="tiny", latency_ms=300)
    with running_emulator(settings) as server:
        session = bearer(server)
        url = f"{server.base_url}/v3/customers"
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda _: session.get(url, timeout=30), range(8)))
        assert sum(r.status_code == 200 for r in responses) == 3
        for response in (r for r in responses if r.status_code != 200):
            assert_bill_error(response, 429, "BDC_1322")


def test_given_faults_when_requesting_tokens_then_token_requests_are_spared():
    with running_emulator(EmulatorSettings(scale="tiny", faults=Faults(error_rate=1.0))) as server:
        assert all(request_token(server).status_code == 200 for _ in range(5))


# -- the Accountant Console API token on /v3/login --------------------------------------------------------
def test_given_a_console_api_token_when_logging_in_then_a_session_like_a_password_login(server):
    creds = server.emulator.credentials["ap_ar"]
    body = {
        "username": creds["username"],
        "consoleApiToken": creds["console_api_token"],
        "organizationId": creds["organization_id"],
        "devKey": creds["dev_key"],
    }
    response = requests.post(f"{server.base_url}/v3/login", json=body, timeout=30)

    assert response.status_code == 200, response.text
    signed_in = response.json()
    assert set(signed_in) == {"sessionId", "organizationId", "userId", "trusted"}
    assert signed_in["userId"] == login(server).json()["userId"] and signed_in["trusted"] is False
    headers = {"devKey": creds["dev_key"], "sessionId": signed_in["sessionId"]}
    url = f"{server.base_url}/v3/customers"
    assert requests.get(url, headers=headers, timeout=30).status_code == 200
    server.emulator.advance_clock(35 * 60)  # idles out like a password session
    assert_bill_error(requests.get(url, headers=headers, timeout=30), 401, "BDC_1109")


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"consoleApiToken": "not-the-console-token"}, 400, "BDC_1101"),
        ({"consoleApiToken": "use-the-password"}, 400, "BDC_1101"),
        ({"consoleApiToken": ""}, 400, "BDC_1117"),
        ({"consoleApiToken": 12345}, 400, "BDC_1117"),
        ({"password": "use-the-password"}, 400, "BDC_1117"),
        ({"organizationId": "00801AAAAAAAAAAAAAAA"}, 400, "BDC_1101"),
        ({"devKey": "01NotARealDeveloperKey"}, 401, "BDC_1102"),
    ],
    ids=[
        "wrong-token",
        "password-as-token",
        "blank-token",
        "number-token",
        "password-and-token",
        "other-organization",
        "bad-dev-key",
    ],
)
def test_given_bad_console_token_logins_when_logging_in_then_bill_code_says_which(
    server, overrides, status, code
):
    creds = server.emulator.credentials["ap_ar"]
    body: dict[str, Any] = {
        "username": creds["username"],
        "consoleApiToken": creds["console_api_token"],
        "organizationId": creds["organization_id"],
        "devKey": creds["dev_key"],
        **overrides,
    }
    for name, value in body.items():
        if value == "use-the-password":
            body[name] = creds["password"]
    response = requests.post(f"{server.base_url}/v3/login", json=body, timeout=30)
    error = assert_bill_error(response, status, code)
    if overrides.get("password"):
        assert "consoleApiToken" in error["message"] and "password" in error["message"]


def test_given_the_console_token_as_a_password_when_logging_in_then_bdc_1101(server):
    token = server.emulator.credentials["ap_ar"]["console_api_token"]
    assert_bill_error(login(server, password=token), 400, "BDC_1101")


def test_given_a_non_ascii_password_when_logging_in_then_bdc_1101_not_a_500(server):
    assert_bill_error(login(server, password="pässwörd"), 400, "BDC_1101")
    assert_oauth_error(request_token(server, client_secret="sécret"), 401, "invalid_client")


# -- seeded credentials and configs -------------------------------------------------------------------------
def test_given_the_emulator_when_asking_configs_then_oauth_and_console_token_configs(server):
    oauth = server.config("oauth")
    assert set(oauth) == {"credentials", "base_url"} and oauth["base_url"] == server.base_url
    assert set(oauth["credentials"]) == {"auth_type", "client_id", "client_secret"}
    assert oauth["credentials"]["auth_type"] == "oauth"
    console = server.config("ap_ar", console=True)["credentials"]
    assert set(console) == {"auth_type", "username", "console_api_token", "organization_id", "dev_key"}
    assert console["console_api_token"] == server.emulator.credentials["ap_ar"]["console_api_token"]
    assert "oauth" in server.configs()
    with pytest.raises(ValueError, match="console"):
        server.config("partner", console=True)


def test_given_the_same_seed_when_seeding_then_the_same_client_credentials_and_console_token():
    def seeded(seed: int) -> tuple[str, str, str]:
        emulator = Emulator(EmulatorSettings(scale="tiny", seed=seed))
        try:
            creds = emulator.credentials
            oauth = creds["oauth"]
            return oauth["client_id"], oauth["client_secret"], creds["ap_ar"]["console_api_token"]
        finally:
            emulator.store.close()

    assert seeded(11) == seeded(11)
    assert seeded(11) != seeded(12)
    assert len(set(seeded(11))) == 3


def test_given_a_database_seeded_before_developer_apps_when_reopening_then_they_are_added(tmp_path):
    db = str(tmp_path / "bill.sqlite")
    first = Emulator(EmulatorSettings(scale="tiny", db_path=db))
    credentials = dict(first.credentials)
    expected = credentials.pop("oauth")
    first.store.execute(
        "DELETE FROM credentials WHERE kind IN ('oauth_client', 'oauth_spend', 'console_token')"
    )
    first.store.set_meta("credentials", json.dumps(credentials))
    first.store.close()
    with running_emulator(EmulatorSettings(scale="tiny", db_path=db)) as second:
        assert second.emulator.credentials["oauth"] == expected
        assert bearer(second).get(f"{second.base_url}/v3/invoices").status_code == 200


def test_given_serve_with_write_configs_when_started_then_config_oauth_json_gets_a_token(tmp_path):
    script = str(Path(sys.executable).parent / "bill-emulator")
    command = [
        script,
        "serve",
        "--scale",
        "tiny",
        "--oauth-token-seconds",
        "120",
        "--write-configs",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip()
        while not (tmp_path / "config_spend_expense.json").exists():
            assert process.stderr.readline(), "bill-emulator serve stopped before writing its configs"
        config = json.loads((tmp_path / "config_oauth.json").read_text())
        assert config["base_url"] == base_url
        credentials = config["credentials"]
        assert set(credentials) == {"auth_type", "client_id", "client_secret"}
        assert credentials["auth_type"] == "oauth"
        form = {
            "grant_type": "client_credentials",
            **{k: credentials[k] for k in ("client_id", "client_secret")},
        }
        token = requests.post(f"{base_url}/authx/token", data=form, timeout=30).json()
        assert token["expires_in"] == 120
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert requests.get(f"{base_url}/v3/invoices", headers=headers, timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- malformed Authorization headers (property test) ---------------------------------------------------------
# What HTTP allows in a header value (visible latin-1, space, tab); anything else the HTTP server refuses.
_HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f") | st.just("\t"),
    max_size=80,
)
_SCHEMES = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token", "Bearer  ", "", "Bearer\t"])
_SAMPLE_ROUTES = [
    e
    for e in ROUTES
    if (e.method, e.path)
    in {
        ("GET", "/v3/invoices"),
        ("POST", "/v3/customers"),
        ("GET", "/v3/login/session"),
        ("GET", "/v3/spend/transactions"),
        ("GET", "/v3/partner/users"),
        ("POST", "/authx/token"),
    }
]


@pytest.mark.parametrize("endpoint", _SAMPLE_ROUTES, ids=lambda e: f"{e.method} {e.path}")
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scheme=_SCHEMES, value=_HEADER_TEXT, twice=st.booleans())
def test_given_a_malformed_authorization_header_when_calling_then_4xx_in_the_routes_own_format(
    server, endpoint: Endpoint, scheme: str, value: str, twice: bool
):
    header = f"{scheme} {value}" if scheme else value
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        conn.putrequest(endpoint.method, "/connect" + endpoint.path, skip_accept_encoding=True)
        for _ in range(2 if twice else 1):
            conn.putheader("Authorization", header.encode("latin-1"))
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        body = b"grant_type=client_credentials" if endpoint.errors == "oauth" else b"{}"
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        status, payload = response.status, response.read()
    finally:
        conn.close()
    shown = f"{endpoint.method} {endpoint.path} Authorization={header!r} x{2 if twice else 1} -> {status} {payload[:300]!r}"
    assert 400 <= status < 500, shown  # no working credential in any of these requests
    answer = json.loads(payload)
    if endpoint.errors == "oauth":
        assert isinstance(answer, dict) and answer["error"] in _RFC_ERRORS, shown
    else:
        assert isinstance(answer, list) and re.fullmatch(r"BDC_\d{4}", answer[0]["code"]), shown
    words = header.split(None, 1)
    if endpoint.auth in (ORG, SPEND) and words and words[0].lower() == "bearer":
        assert status == 401, shown  # a Bearer header is the credential, and none of these is a token
