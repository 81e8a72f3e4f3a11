"""OAuth access tokens (BILL's 2026 client credentials): the token request, the shared token and its
renewal, the token URL, and what a refused client reads. Mocked HTTP only."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qsl

import pytest
import requests
import requests_mock

from source_bill import messages
from source_bill.client.auth import OAUTH, OAuthCredentials, credentials_from_config
from source_bill.client.client import BillClient
from source_bill.client.errors import BillApiError, ErrorKind, error_from_response
from source_bill.client.retry import Action, decide
from source_bill.client.sessions import (
    Grant,
    LoginBudget,
    LoginLimitError,
    SessionManager,
    renewal_delay,
    request_token,
    shared_login_budget,
)
from source_bill.client.urls import InvalidBaseUrlError, token_url

TOKEN_URL = "https://auth.test.bill.example/authx/token"
CLIENT_ID = "client-id-0001"
CLIENT_SECRET = "client-secret-very-secret-0001"
CREDENTIALS = OAuthCredentials(CLIENT_ID, CLIENT_SECRET)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTokens:
    """A token endpoint: token-1, token-2, ... each with `expires_in` seconds."""

    def __init__(self, expires_in: float | None = 3600) -> None:
        self.expires_in = expires_in
        self.calls = 0

    def __call__(self) -> Grant:
        self.calls += 1
        return Grant(f"token-{self.calls}", self.expires_in)


def _manager(tokens, clock: Clock) -> SessionManager:
    return SessionManager(
        tokens, refresh_after=None, clock=clock, sleep=lambda s: None, budget=LoginBudget(clock=clock)
    )


# -- the token request ---------------------------------------------------------------------------


def test_given_client_credentials_when_requesting_a_token_then_form_data_and_lifetime_from_expires_in():
    with requests_mock.Mocker() as mocker:
        endpoint = mocker.post(
            TOKEN_URL, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 900}
        )
        grant = request_token(requests.Session(), TOKEN_URL, CREDENTIALS)

    assert grant == Grant("tok-1", 900.0)
    sent = endpoint.last_request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(sent.text)) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert "tok-1" not in repr(grant)


@pytest.mark.parametrize("expires_in", [None, 0, -5, "soon", True, float("nan")])
def test_given_answer_without_a_usable_expires_in_when_requesting_then_no_lifetime(expires_in):
    body = {"access_token": "tok-1", "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, json=body)
        assert request_token(requests.Session(), TOKEN_URL, CREDENTIALS).expires_in is None


def test_given_answer_without_access_token_when_requesting_then_not_bill():
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, text="<html>login</html>")
        with pytest.raises(BillApiError) as raised:
            request_token(requests.Session(), TOKEN_URL, CREDENTIALS)
    assert raised.value.kind is ErrorKind.NOT_BILL
    assert raised.value.path == "/authx/token"


def test_given_invalid_client_when_requesting_then_bad_credentials_named_without_the_secret():
    body = {"error": "invalid_client", "error_description": f"unknown client or wrong secret {CLIENT_SECRET}"}
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, status_code=401, json=body)
        with pytest.raises(BillApiError) as raised:
            request_token(requests.Session(), TOKEN_URL, CREDENTIALS)

    error = raised.value
    assert (error.kind, error.code, error.failure.value) == (
        ErrorKind.BAD_CREDENTIALS,
        "invalid_client",
        "config",
    )
    message = messages.for_error(error, OAUTH, token_url=TOKEN_URL)
    assert message.startswith(f"BILL's token endpoint ({TOKEN_URL}) rejected the client ID and client secret")
    assert "developer app created in BILL's web app" in message
    client_message = BillClient(CREDENTIALS, token_endpoint=TOKEN_URL)._redact(message)
    assert CLIENT_SECRET not in client_message


def test_given_invalid_client_when_signing_in_then_not_retried():
    attempts = []

    def refused() -> Grant:
        attempts.append(1)
        raise error_from_response(401, b'{"error": "invalid_client"}', method="POST", path="/authx/token")

    manager = SessionManager(refused, refresh_after=None, sleep=lambda s: None)
    with pytest.raises(BillApiError):
        manager.session_id()
    assert len(attempts) == 1


# -- one token, renewed -------------------------------------------------------------------------


def test_given_a_token_when_asked_many_times_then_one_token_request():
    tokens, clock = FakeTokens(), Clock()
    manager = _manager(tokens, clock)

    assert {manager.session_id() for _ in range(5)} == {"token-1"}
    assert tokens.calls == 1


def test_given_many_threads_when_asking_at_once_then_one_token_shared():
    release = threading.Event()
    calls = []

    def slow_token() -> Grant:
        calls.append(1)
        release.wait(1)
        time.sleep(0.05)
        return Grant("shared-token", 3600)

    manager = SessionManager(slow_token, refresh_after=None, sleep=lambda s: None)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(manager.session_id())) for _ in range(8)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join()

    assert results == ["shared-token"] * 8
    assert len(calls) == 1


@pytest.mark.parametrize(("lifetime", "renewed_after"), [(3600, 3540), (20, 18), (300, 270)])
def test_given_token_lifetime_when_time_passes_then_renewed_shortly_before_it_expires(
    lifetime, renewed_after
):
    tokens, clock = FakeTokens(lifetime), Clock()
    manager = _manager(tokens, clock)
    assert manager.session_id() == "token-1"

    clock.advance(renewed_after - 0.5)
    assert manager.session_id() == "token-1"
    clock.advance(0.5)
    assert manager.session_id() == "token-2"
    assert renewal_delay(lifetime) == renewed_after
    assert tokens.calls == 2


def test_given_token_without_lifetime_when_idle_for_hours_then_kept_until_refused():
    tokens, clock = FakeTokens(expires_in=None), Clock()
    manager = _manager(tokens, clock)
    manager.session_id()

    clock.advance(5 * 3600)  # no idle timeout for tokens: only their expiry or a refusal ends them

    assert manager.session_id() == "token-1"
    assert manager.report_invalid("token-1") is True
    assert manager.session_id() == "token-2"


def test_given_many_requests_refused_with_the_same_token_when_reported_then_renewed_once():
    tokens, clock = FakeTokens(), Clock()
    manager = _manager(tokens, clock)
    manager.session_id()
    manager.confirm("token-1")

    assert all(manager.report_invalid("token-1") for _ in range(5))
    assert manager.session_id() == "token-2"
    assert tokens.calls == 2


def test_given_renewed_token_refused_before_any_success_when_reported_then_no_third_token():
    tokens, clock = FakeTokens(), Clock()
    manager = _manager(tokens, clock)
    manager.session_id()
    manager.report_invalid("token-1")
    manager.session_id()

    assert manager.report_invalid("token-2") is False
    assert tokens.calls == 2


def test_given_short_lived_tokens_when_renewals_would_pass_the_login_budget_then_refused_before_asking():
    tokens, clock = FakeTokens(expires_in=10), Clock()
    manager = SessionManager(
        tokens,
        refresh_after=None,
        clock=clock,
        sleep=lambda s: None,
        budget=LoginBudget(limit=3, clock=clock),
    )
    for _ in range(3):
        manager.session_id()
        clock.advance(10)

    with pytest.raises(LoginLimitError):
        manager.session_id()
    assert tokens.calls == 3


def test_given_oauth_credentials_then_token_requests_share_the_client_ids_login_budget():
    client = BillClient(CREDENTIALS, token_endpoint=TOKEN_URL)
    again = BillClient(
        OAuthCredentials(CLIENT_ID, "another-secret-for-the-same-client"), token_endpoint=TOKEN_URL
    )

    assert client.sessions._budget is shared_login_budget(CREDENTIALS.login_budget_key)
    assert again.sessions._budget is client.sessions._budget


# -- any 401 renews once -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'[{"code": "BDC_1109", "message": "Session is invalid. Please log in."}]', id="BDC_1109"
        ),
        pytest.param(b'[{"code": "BDC_1147", "message": "API token is invalid."}]', id="BDC_1147"),
        pytest.param(b'{"error": "invalid_token", "error_description": "expired"}', id="OAuth error object"),
        pytest.param(b"", id="empty body"),
        pytest.param(b"<html>Unauthorized</html>", id="HTML"),
    ],
)
def test_given_bearer_request_refused_with_401_whatever_the_body_when_deciding_then_a_new_token(body):
    error = error_from_response(401, body, method="GET", path="/v3/spend/users")

    assert decide(error, 1, bearer=True).action is Action.SIGN_IN_AGAIN
    if b"BDC_1109" not in body:
        assert decide(error, 1).action is Action.FAIL  # not so for a session or an API token


def test_given_expired_token_when_client_requests_then_renews_once_and_retries_the_same_request():
    with requests_mock.Mocker() as mocker:
        token = mocker.post(
            TOKEN_URL,
            [{"json": {"access_token": f"tok-{n}", "expires_in": 3600}} for n in (1, 2)],
        )
        seen: list[str] = []

        def vendors(request, context):
            seen.append(request.headers["Authorization"])
            if request.headers["Authorization"] == "Bearer tok-1":
                context.status_code = 401
                return {"error": "invalid_token"}
            return {"results": [{"id": "v1"}]}

        mocker.get("https://gateway.test.bill.example/connect/v3/vendors", json=vendors)
        client = BillClient(
            CREDENTIALS, base_url="https://gateway.test.bill.example/connect", token_endpoint=TOKEN_URL
        )
        page = client.get("/v3/vendors", max=1)

    assert page == {"results": [{"id": "v1"}]}
    assert seen == ["Bearer tok-1", "Bearer tok-2"]
    assert token.call_count == 2


def test_given_new_token_also_refused_when_client_requests_then_raises_naming_the_product():
    with requests_mock.Mocker() as mocker:
        token = mocker.post(TOKEN_URL, json={"access_token": "tok", "expires_in": 3600})
        mocker.get(
            "https://gateway.test.bill.example/connect/v3/spend/users",
            status_code=401,
            json=[{"code": "BDC_1147", "message": "API token is invalid."}],
        )
        client = BillClient(
            CREDENTIALS, base_url="https://gateway.test.bill.example/connect", token_endpoint=TOKEN_URL
        )
        with pytest.raises(BillApiError) as raised:
            client.get("/v3/spend/users", max=1)

    assert token.call_count == 2
    message = messages.for_error(raised.value, OAUTH)
    assert "BILL refused the access token for /v3/spend/users (HTTP 401), also a new one" in message
    assert "no access to Spend & Expense" in message


# -- where tokens come from ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "base_url", "configured", "expected"),
    [
        ("production", None, None, "https://auth.prod.bill.com/authx/token"),
        ("sandbox", "", "", "https://auth.stage.bill.com/authx/token"),
        (None, "http://127.0.0.1:8080/connect", None, "http://127.0.0.1:8080/connect/authx/token"),
        (None, "http://127.0.0.1:8080/connect/", None, "http://127.0.0.1:8080/connect/authx/token"),
        (None, "http://127.0.0.1:8080/connect/v3/", None, "http://127.0.0.1:8080/connect/authx/token"),
        (
            "sandbox",
            "https://proxy.example/connect",
            "https://auth.example/x/token ",
            "https://auth.example/x/token",
        ),
    ],
)
def test_given_environment_base_url_and_token_url_when_resolving_then_the_token_endpoint(
    environment, base_url, configured, expected
):
    assert token_url(environment, base_url, configured) == expected


@pytest.mark.parametrize("configured", ["ftp://auth.example/token", "https://auth.example/token?x=1", "auth"])
def test_given_malformed_token_url_when_resolving_then_refused(configured):
    with pytest.raises(InvalidBaseUrlError, match="token URL"):
        token_url("production", None, configured)


def test_given_oauth_config_when_building_credentials_then_client_id_trimmed_and_secret_verbatim():
    credentials = credentials_from_config(
        {
            "credentials": {
                "auth_type": "oauth",
                "client_id": f" {CLIENT_ID} ",
                "client_secret": f" {CLIENT_SECRET}",
            }
        }
    )

    assert credentials == OAuthCredentials(CLIENT_ID, f" {CLIENT_SECRET}")
    assert credentials.headers("tok") == {"Authorization": "Bearer tok"}
    assert credentials.sent_session({"Authorization": "bearer tok"}) == "tok"
    assert CLIENT_SECRET not in repr(credentials)
    assert credentials.login_budget_key != OAuthCredentials("another-client", CLIENT_SECRET).login_budget_key
