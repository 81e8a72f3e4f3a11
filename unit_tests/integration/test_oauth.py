"""OAuth client credentials through the whole connector (read, check, discover), on mocked HTTP.

The config overrides the base URL, so tokens come from `<base URL>/authx/token`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType, Status
from freezegun import freeze_time

from .config import API_ROOT, BASE_URL, CLIENT_ID, CLIENT_SECRET, ConfigBuilder
from .source_runner import check, discover_streams, output_text, read_streams

TOKEN_URL = BASE_URL + "/authx/token"
ORGANIZATION_ID = "00801OAUTHORG000001"
NOW = "2025-03-01T12:00:00Z"
AP_AR_SAMPLE = {"customers", "vendors", "bills", "organization", "chart_of_accounts", "bank_accounts"}
SPEND_STREAMS = {
    "spend_transactions",
    "spend_reimbursements",
    "spend_cards",
    "spend_budgets",
    "spend_users",
    "spend_custom_fields",
}


def _config(**options: Any) -> dict[str, Any]:
    config = ConfigBuilder().oauth().with_start_date("2025-01-01").build()
    config.update(options)
    return config


class Tokens:
    """The token endpoint: tok-1, tok-2, ... with `expires_in`; records each request's form."""

    def __init__(self, mocker: requests_mock.Mocker, expires_in: float = 3600) -> None:
        self.expires_in = expires_in
        self.forms: list[dict[str, str]] = []
        self.matcher = mocker.post(TOKEN_URL, json=self._answer)

    def _answer(self, request: Any, context: Any) -> dict[str, Any]:
        self.forms.append(dict(parse_qsl(request.text)))
        return {
            "access_token": f"tok-{len(self.forms)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }

    @property
    def count(self) -> int:
        return len(self.forms)


def _bearer(request: Any) -> str:
    return str(request.headers.get("Authorization"))


# -- read -------------------------------------------------------------------------------------------


@freeze_time(NOW)
def test_given_oauth_when_reading_ap_ar_and_spend_expense_then_one_token_and_bearer_on_every_request():
    seen: dict[str, list[str]] = {}

    def answer(name: str, body: dict[str, Any]):
        def respond(request: Any, context: Any) -> dict[str, Any]:
            seen.setdefault(name, []).append(_bearer(request))
            assert "devKey" not in request.headers and "apiToken" not in request.headers
            return body

        return respond

    with requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker)
        mocker.get(f"{API_ROOT}/vendors", json=answer("vendors", {"results": [{"id": "v1"}]}))
        mocker.get(
            f"{API_ROOT}/spend/users", json=answer("spend_users", {"results": [{"id": "u1", "uuid": "uu1"}]})
        )
        mocker.get(
            f"{API_ROOT}/login/session",
            json=answer("session", {"organizationId": ORGANIZATION_ID, "userId": "00601USER"}),
        )
        mocker.get(
            f"{API_ROOT}/organizations/{ORGANIZATION_ID}",
            json=answer("organization", {"id": ORGANIZATION_ID, "name": "Acme"}),
        )
        output = read_streams(_config(), "vendors", "spend_users", "organization")

    assert sorted(r.record.data["id"] for r in output.records) == [ORGANIZATION_ID, "u1", "v1"]
    assert tokens.forms == [
        {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    ]
    assert {bearer for bearers in seen.values() for bearer in bearers} == {"Bearer tok-1"}
    assert CLIENT_SECRET not in output_text(output)


@freeze_time(NOW)
def test_given_expired_token_in_the_middle_of_pages_when_reading_then_renews_once_and_resumes_the_same_page():
    seen: list[tuple[str, str | None]] = []

    def vendors(request: Any, context: Any) -> Any:
        page = request.qs.get("page", [None])[0]
        seen.append((_bearer(request), page))
        if page is None:
            return {"results": [{"id": "p1"}], "nextPage": "c2"}
        if _bearer(request) == "Bearer tok-1":
            context.status_code = 401
            return [{"code": "BDC_1109", "message": "Session is invalid. Please log in."}]
        return {"results": [{"id": "p2"}]}

    with requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker)
        mocker.get(f"{API_ROOT}/vendors", json=vendors)
        output = read_streams(_config(), "vendors")

    assert [r.record.data["id"] for r in output.records] == ["p1", "p2"]
    assert seen == [("Bearer tok-1", None), ("Bearer tok-1", "c2"), ("Bearer tok-2", "c2")]
    assert tokens.count == 2
    assert not output.errors


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            json.dumps({"error": "invalid_token", "error_description": "expired"}), id="OAuth error"
        ),
        pytest.param(json.dumps([{"code": "BDC_1147", "message": "API token is invalid."}]), id="BDC_1147"),
        pytest.param("", id="empty body"),
    ],
)
@freeze_time(NOW)
def test_given_401_whatever_the_body_when_reading_then_renews_the_token_once_and_retries(body):
    def users(request: Any, context: Any) -> str:
        if _bearer(request) == "Bearer tok-1":
            context.status_code = 401
            return body
        return json.dumps({"results": [{"id": "u1", "uuid": "uu1"}]})

    with requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker)
        mocker.get(f"{API_ROOT}/spend/users", text=users)
        output = read_streams(_config(), "spend_users")

    assert [r.record.data["id"] for r in output.records] == ["u1"]
    assert tokens.count == 2
    assert not output.errors


@freeze_time(NOW)
def test_given_new_token_refused_too_when_reading_then_config_error_naming_the_product_and_no_third_token():
    with requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker)
        users = mocker.get(
            f"{API_ROOT}/spend/users",
            status_code=401,
            json=[{"code": "BDC_1147", "message": "API token is invalid."}],
        )
        output = read_streams(_config(), "spend_users", expecting_exception=True)

    errors = [e.trace.error for e in output.errors]
    assert any(
        e.failure_type == FailureType.config_error and "no access to Spend & Expense" in e.message
        for e in errors
    ), errors
    assert tokens.count == 2
    assert users.call_count == 2


def test_given_token_near_its_expiry_between_pages_when_reading_then_renewed_before_the_next_request():
    with freeze_time(NOW) as frozen, requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker, expires_in=120)  # renewed 12 s before it expires
        seen: list[str] = []

        def vendors(request: Any, context: Any) -> dict[str, Any]:
            seen.append(_bearer(request))
            if "page" not in request.qs:
                frozen.tick(timedelta(seconds=110))  # BILL takes long: the token nears its expiry
                return {"results": [{"id": "p1"}], "nextPage": "c2"}
            return {"results": [{"id": "p2"}]}

        mocker.get(f"{API_ROOT}/vendors", json=vendors)
        output = read_streams(_config(), "vendors")

    assert [r.record.data["id"] for r in output.records] == ["p1", "p2"]
    assert seen == ["Bearer tok-1", "Bearer tok-2"]  # renewed before it was refused, not after
    assert tokens.count == 2


@freeze_time(NOW)
def test_given_invalid_client_when_reading_then_one_config_error_before_any_stream():
    with requests_mock.Mocker() as mocker:
        token = mocker.post(
            TOKEN_URL,
            status_code=401,
            json={"error": "invalid_client", "error_description": "Client authentication failed."},
        )
        vendors = mocker.get(f"{API_ROOT}/vendors", json={"results": []})
        output = read_streams(_config(), "vendors", "spend_users", expecting_exception=True)

    errors = [e.trace.error for e in output.errors]
    assert len(errors) == 1 and errors[0].failure_type == FailureType.config_error, errors
    assert "rejected the client ID and client secret" in errors[0].message
    assert token.call_count == 1
    assert vendors.call_count == 0
    assert CLIENT_SECRET not in output_text(output)


# -- check and discover ----------------------------------------------------------------------------


def _status(output):
    statuses = [m.connectionStatus for m in output.connection_status_messages]
    assert len(statuses) == 1, output.errors
    return statuses[0]


def _products(mocker: requests_mock.Mocker, *, spend: bool = True) -> None:
    mocker.get(f"{API_ROOT}/vendors", json={"results": [{"id": "v1"}]})
    if spend:
        mocker.get(f"{API_ROOT}/spend/users", json={"results": [{"id": "u1", "uuid": "uu1"}]})
    else:  # BILL answers an app without Spend & Expense access as an invalid credential there
        mocker.get(
            f"{API_ROOT}/spend/users",
            status_code=401,
            json=[{"code": "BDC_1147", "message": "API token is invalid."}],
        )


def test_given_oauth_when_checking_then_succeeds_saying_the_token_reaches_both_products():
    with requests_mock.Mocker() as mocker:
        tokens = Tokens(mocker)
        _products(mocker)
        output = check(_config())

    status = _status(output)
    assert status.status == Status.SUCCEEDED
    assert status.message == "The OAuth access token reaches AP/AR and Spend & Expense."
    assert tokens.count == 1


def test_given_token_without_spend_expense_when_checking_then_succeeds_naming_what_it_does_not_reach():
    with requests_mock.Mocker() as mocker:
        _products(mocker, spend=False)
        tokens = Tokens(mocker)
        output = check(_config())

    status = _status(output)
    assert status.status == Status.SUCCEEDED
    assert status.message.startswith(
        "The OAuth access token reaches AP/AR. It does not reach Spend & Expense"
    )
    assert "BDC_1147" in status.message
    assert tokens.count == 2  # the refusal is tried once with a new token


@pytest.mark.parametrize(
    "description",
    ["Client authentication failed: unknown client.", "Client authentication failed: wrong secret."],
)
def test_given_invalid_client_or_wrong_secret_when_checking_then_failed_with_a_specific_message(description):
    with requests_mock.Mocker() as mocker:
        mocker.post(
            TOKEN_URL, status_code=401, json={"error": "invalid_client", "error_description": description}
        )
        output = check(_config())

    status = _status(output)
    assert status.status == Status.FAILED
    assert status.message.startswith(
        f"BILL's token endpoint ({TOKEN_URL}) rejected the client ID and client secret"
    )
    assert f"BILL said: invalid_client: {description}" in status.message
    text = output_text(output)
    assert CLIENT_SECRET not in text and "Traceback" not in text


def test_given_unreachable_token_endpoint_when_checking_then_failed_naming_the_token_endpoint():
    def refuse(request: Any, context: Any) -> None:
        raise requests.exceptions.ConnectionError("connection refused", request=request)

    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, json=refuse)
        output = check(_config())

    status = _status(output)
    assert status.status == Status.FAILED
    assert status.message.startswith(
        "Could not reach BILL's OAuth token endpoint at gateway.test.bill.example"
    )
    assert "'Token URL'" in status.message
    assert "Traceback" not in output_text(output)


def test_given_token_url_when_checking_then_tokens_come_from_there():
    with requests_mock.Mocker() as mocker:
        elsewhere = mocker.post("https://auth.test.bill.example/authx/token", json={"access_token": "t"})
        _products(mocker)
        output = check(_config(token_url="https://auth.test.bill.example/authx/token"))

    assert _status(output).status == Status.SUCCEEDED
    assert elsewhere.call_count == 1


def _discovered(output) -> dict[str, Any]:
    assert not output.errors, output.errors
    return {stream.name: stream for stream in output.catalog.catalog.streams}


def test_given_oauth_when_discovering_then_ap_ar_and_spend_expense_streams():
    with requests_mock.Mocker() as mocker:
        Tokens(mocker)
        _products(mocker)
        streams = _discovered(discover_streams(_config()))

    assert set(streams) >= AP_AR_SAMPLE | SPEND_STREAMS
    assert not {"organizations", "partner_users", "partner_roles"} & set(streams)
    assert len(streams) == 32  # 26 AP/AR (line items included) and 6 Spend & Expense


def test_given_token_without_spend_expense_when_discovering_then_its_streams_left_out_with_a_logged_reason():
    with requests_mock.Mocker() as mocker:
        Tokens(mocker)
        _products(mocker, spend=False)
        output = discover_streams(_config())

    streams = _discovered(output)
    assert set(streams) >= AP_AR_SAMPLE
    assert not SPEND_STREAMS & set(streams)
    warnings = [m.log.message for m in output.logs if m.log.level.name == "WARN"]
    assert any("It does not reach Spend & Expense, whose streams are left out" in w for w in warnings), (
        warnings
    )


def test_given_invalid_client_when_discovering_then_config_error():
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, status_code=401, json={"error": "invalid_client"})
        output = discover_streams(_config())

    errors = [e.trace.error for e in output.errors]
    assert errors and errors[0].failure_type == FailureType.config_error
    assert "rejected the client ID and client secret" in errors[0].message
