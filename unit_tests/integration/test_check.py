"""`check`: a real authenticated list call and a specific, actionable message per cause."""

from __future__ import annotations

import json

import pytest
from airbyte_cdk.models import Status, Type
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from source_bill import SourceBill

from .config import API_TOKEN, SECRETS, ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request, partner_login_request
from .response_builder import bill_error, html_error, login_response, object_error, page
from .source_runner import check, output_text


def _status(output):
    statuses = [m.connectionStatus for m in output.connection_status_messages]
    assert len(statuses) == 1, output.errors
    return statuses[0]


def _assert_no_secret(output):
    text = output_text(output)
    assert text
    for secret in SECRETS:
        assert secret not in text


def _check_ap_ar(
    http: HttpMocker, login_answer: HttpResponse, list_answer: HttpResponse | None = None, config=None
):
    http.post(ap_ar_login_request(), login_answer)
    if list_answer is not None:
        http.get(BillRequestBuilder("/vendors").with_param("max", "1").with_session().build(), list_answer)
    return check(config or ConfigBuilder().build())


def test_given_valid_ap_ar_credentials_when_check_then_succeeds_after_a_list_call():
    with HttpMocker() as http:
        vendors = BillRequestBuilder("/vendors").with_param("max", "1").with_session().build()
        http.post(ap_ar_login_request(), login_response())
        http.get(vendors, page())
        output = check(ConfigBuilder().build())
        http.assert_number_of_calls(vendors, 1)
    assert _status(output).status == Status.SUCCEEDED


def test_given_valid_partner_credentials_when_check_then_succeeds():
    with HttpMocker() as http:
        http.post(partner_login_request(), login_response())
        http.get(
            BillRequestBuilder("/partner/organizations")
            .with_param("max", "1")
            .with_partner_session()
            .build(),
            page(),
        )
        output = check(ConfigBuilder().partner().build())
    assert _status(output).status == Status.SUCCEEDED


def test_given_valid_api_token_when_check_then_succeeds_without_login():
    with HttpMocker() as http:
        http.get(
            BillRequestBuilder("/spend/users").with_param("max", "1").with_api_token(API_TOKEN).build(),
            page(),
        )
        output = check(ConfigBuilder().spend_expense().build())
    assert _status(output).status == Status.SUCCEEDED


@pytest.mark.parametrize(
    ("login_answer", "expected"),
    [
        (
            bill_error("BDC_1101", "User name and/or password do not match our records.", 400),
            ["BDC_1101", "username", "sync token"],
        ),
        (
            bill_error("BDC_1101", "User name and/or password do not match our records.", 401),
            ["BDC_1101", "password"],
        ),
        (
            bill_error("BDC_1102", "Developer key is invalid.", 401),
            ["BDC_1102", "developer key", "sandbox key fails in production"],
        ),
        (
            bill_error("BDC_1105", "Organization has no API access.", 403),
            ["BDC_1105", "API access", "organization ID"],
        ),
        (
            html_error(404),
            ["did not answer like a BILL API gateway", "HTTP 404", "gateway.test.bill.example"],
        ),
        (object_error("Not Found", 404), ["did not answer like a BILL API gateway"]),
        (
            bill_error("BDC_1144", "Max number of allowed requests per hour reached: 20000.", 429),
            ["BDC_1144", "hourly"],
        ),
    ],
)
def test_given_login_failure_when_check_then_specific_message(login_answer, expected):
    with HttpMocker() as http:
        output = _check_ap_ar(http, login_answer)
    status = _status(output)
    assert status.status == Status.FAILED
    for text in expected:
        assert text in status.message
    _assert_no_secret(output)


def test_given_bad_app_key_when_partner_check_then_names_the_app_key():
    with HttpMocker() as http:
        http.post(partner_login_request(), bill_error("BDC_1102", "Developer key is invalid.", 401))
        output = check(ConfigBuilder().partner().build())
    status = _status(output)
    assert status.status == Status.FAILED
    assert "app key" in status.message and "environment" in status.message.lower()


def test_given_invalid_api_token_when_check_then_names_the_api_token():
    with HttpMocker() as http:
        http.get(
            BillRequestBuilder("/spend/users").with_param("max", "1").with_api_token(API_TOKEN).build(),
            HttpResponse("Unauthorized", 401),
        )
        output = check(ConfigBuilder().spend_expense().build())
    status = _status(output)
    assert status.status == Status.FAILED
    assert "API token" in status.message
    _assert_no_secret(output)


def test_given_list_answer_without_results_when_check_then_not_a_bill_gateway():
    with HttpMocker() as http:
        output = _check_ap_ar(http, login_response(), HttpResponse(json.dumps({"hello": "world"}), 200))
    status = _status(output)
    assert status.status == Status.FAILED
    assert "did not answer like a BILL API gateway" in status.message


def test_given_login_ok_but_list_forbidden_when_check_then_permission_message():
    with HttpMocker() as http:
        output = _check_ap_ar(http, login_response(), bill_error("BDC_1145", "No permission.", 403))
    status = _status(output)
    assert status.status == Status.FAILED
    assert "lacks permission" in status.message


def test_given_unreachable_host_when_check_then_names_the_host():
    config = ConfigBuilder().with_base_url("http://127.0.0.1:9/connect").build()
    output = check(config)
    status = _status(output)
    assert status.status == Status.FAILED
    assert "Could not reach 127.0.0.1:9" in status.message


def test_given_incomplete_credentials_when_check_then_names_the_missing_field():
    config = ConfigBuilder().build()
    config["credentials"]["dev_key"] = ""
    output = check(config)
    status = _status(output)
    assert status.status == Status.FAILED
    assert "dev_key" in status.message


def test_given_source_built_without_config_when_check_then_uses_the_given_config():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(BillRequestBuilder("/vendors").with_param("max", "1").with_session().build(), page())
        output = check(ConfigBuilder().build(), source=SourceBill())
    assert _status(output).status == Status.SUCCEEDED


def test_given_failure_when_check_then_no_traceback_and_no_trace_error():
    with HttpMocker() as http:
        output = _check_ap_ar(
            http, bill_error("BDC_1101", "User name and/or password do not match our records.")
        )
    assert not output.errors
    assert all(m.type != Type.TRACE for m in output.connection_status_messages)
    assert "Traceback" not in _status(output).message
