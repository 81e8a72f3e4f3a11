"""The custom components on their own: error classification, backoff waits, authenticator headers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from freezegun import freeze_time

from source_bill.authenticator import BillAuthenticator
from source_bill.backoff import BillBackoffStrategy
from source_bill.config import prepare_config
from source_bill.context import bill_context
from source_bill.error_handler import BillErrorHandler
from source_bill.paginator import BillCursorPagination
from unit_tests.integration.config import API_TOKEN, ConfigBuilder


def _response(status: int, body, headers=None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.request = requests.Request(
        "GET", "https://h/connect/v3/vendors", headers=headers or {}
    ).prepare()
    return response


def _handler(config=None) -> BillErrorHandler:
    return BillErrorHandler(config=prepare_config(config or ConfigBuilder().build()), parameters={})


@pytest.mark.parametrize(
    "exception",
    [requests.ConnectionError("reset"), requests.Timeout("slow"), requests.exceptions.ChunkedEncodingError()],
)
def test_given_network_error_when_interpreting_then_retry_transient(exception):
    resolution = _handler().interpret_response(exception)
    assert resolution.response_action == ResponseAction.RETRY
    assert resolution.failure_type == FailureType.transient_error


@pytest.mark.parametrize(
    ("status", "code", "action"),
    [
        (429, "BDC_1322", ResponseAction.RETRY),
        (422, "BDC_1322", ResponseAction.RETRY),
        (400, "BDC_1144", ResponseAction.RATE_LIMITED),
        (429, "BDC_1144", ResponseAction.RATE_LIMITED),
        (500, "BDC_1001", ResponseAction.RETRY),
    ],
)
def test_given_limit_and_server_codes_when_interpreting_then_retried(status, code, action):
    resolution = _handler().interpret_response(_response(status, [{"code": code, "message": "x"}]))
    assert resolution.response_action == action
    assert resolution.failure_type == FailureType.transient_error


def test_given_json_success_when_interpreting_then_success():
    assert (
        _handler().interpret_response(_response(200, {"results": []})).response_action
        == ResponseAction.SUCCESS
    )


def test_given_config_problem_when_interpreting_then_raises_config_error_with_bill_code():
    with pytest.raises(AirbyteTracedException) as raised:
        _handler().interpret_response(
            _response(401, [{"code": "BDC_1102", "message": "Developer key is invalid."}])
        )
    assert raised.value.failure_type == FailureType.config_error
    assert "BDC_1102" in raised.value.message


@freeze_time("2025-03-01T12:58:30Z")
def test_given_hourly_limit_when_computing_backoff_then_waits_until_next_hour():
    strategy = BillBackoffStrategy(config=prepare_config(ConfigBuilder().build()))
    wait = strategy.backoff_time(_response(429, [{"code": "BDC_1144", "message": "x"}]), 1)
    assert wait == pytest.approx(95.0)


@freeze_time("2025-03-01T12:00:00Z")
def test_given_hourly_limit_beyond_max_wait_when_computing_backoff_then_transient_error():
    strategy = BillBackoffStrategy(
        config=prepare_config(ConfigBuilder().with_option("max_rate_limit_wait_seconds", 0).build())
    )
    with pytest.raises(AirbyteTracedException) as raised:
        strategy.backoff_time(_response(422, [{"code": "BDC_1144", "message": "x"}]), 1)
    assert raised.value.failure_type == FailureType.transient_error


def test_given_concurrency_limit_when_computing_backoff_then_short_and_growing():
    strategy = BillBackoffStrategy(config=prepare_config(ConfigBuilder().build()))
    waits = [
        strategy.backoff_time(_response(429, [{"code": "BDC_1322"}]), attempt) for attempt in (1, 2, 3, 10)
    ]
    assert waits == [2.0, 4.0, 8.0, 30.0]


def test_given_spend_config_when_authenticating_then_api_token_header_only():
    authenticator = BillAuthenticator(
        config=prepare_config(ConfigBuilder().spend_expense().build()), parameters={}
    )
    assert authenticator.get_auth_header() == {"apiToken": API_TOKEN}


def test_given_session_refresh_option_when_building_context_then_used_for_sessions():
    context = bill_context(prepare_config(ConfigBuilder().with_option("session_refresh_minutes", 12).build()))
    assert context.refresh_after == timedelta(minutes=12)


def test_given_missing_credentials_when_building_context_then_config_error():
    with pytest.raises(AirbyteTracedException) as raised:
        bill_context(prepare_config({"credentials": {"auth_type": "ap_ar"}}))
    assert raised.value.failure_type == FailureType.config_error


@pytest.mark.parametrize(
    ("endpoint", "size"), [("/spend/transactions", 50), ("/vendors", 100), ("/spend/cards", 100)]
)
def test_given_endpoint_when_building_paginator_then_page_size_capped(endpoint, size):
    strategy = BillCursorPagination(
        config={"page_size": 100},
        parameters={"name": "x"},
        page_size="{{ config['page_size'] }}",
        endpoint=endpoint,
    )
    assert strategy.get_page_size() == size


def test_given_repeated_cursor_when_paginating_then_system_error():
    strategy = BillCursorPagination(config={}, parameters={"name": "vendors"}, endpoint="/vendors")
    page = {"results": [{"id": "v1"}], "nextPage": "a"}
    first = strategy.next_page_token(_response(200, page), 1, None, None)
    assert first == "a"
    with pytest.raises(AirbyteTracedException) as raised:
        strategy.next_page_token(_response(200, page), 1, None, "a")
    assert raised.value.failure_type == FailureType.system_error
    assert "vendors" in raised.value.message
