"""BILL's limits: BDC_1322 and BDC_1144 recognised by body code under any status, 5xx backoff."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request
from .response_builder import bill_error, login_response, object_error, page, record
from .source_runner import read_streams

START_MS = "2025-01-01T00:00:00.000Z"
CONCURRENCY = ("BDC_1322", "Max number of concurrent requests per organization reached.")
HOURLY = ("BDC_1144", "Max number of allowed requests per hour reached: 20000.")


def _vendors(now_ms: str) -> BillRequestBuilder:
    return BillRequestBuilder.list("/vendors").with_session().with_updated_between(START_MS, now_ms)


def _config(**options):
    builder = ConfigBuilder().with_start_date("2025-01-01")
    for key, value in options.items():
        builder.with_option(key, value)
    return builder.build()


@pytest.mark.parametrize("status", [429, 422, 400])
@freeze_time("2025-03-01T12:00:00Z")
def test_given_concurrency_limit_under_any_status_when_reading_then_short_backoff_and_retry(status, sleeps):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            _vendors("2025-03-01T12:00:00.000Z").build(),
            [bill_error(*CONCURRENCY, status), bill_error(*CONCURRENCY, status), page(record("vendors"))],
        )
        output = read_streams(_config(), "vendors")

    assert len(output.records) == 1
    assert not output.errors
    # 2 s then 4 s, plus the one second the CDK adds to every wait it is given.
    assert sleeps.calls[:2] == [3.0, 5.0]


@pytest.mark.parametrize("status", [429, 422, 400])
@freeze_time("2025-03-01T12:59:00Z")
def test_given_hourly_limit_under_any_status_when_next_hour_is_close_then_waits_for_it_and_retries(
    status, sleeps
):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            _vendors("2025-03-01T12:59:00.000Z").build(),
            [bill_error(*HOURLY, status), page(record("vendors"))],
        )
        output = read_streams(_config(), "vendors")

    assert len(output.records) == 1
    # 60 s to the top of the hour + 5 s margin, + the CDK's extra second.
    assert sleeps.calls == [66.0]


@freeze_time("2025-03-01T12:00:00Z")
def test_given_hourly_limit_when_next_hour_is_beyond_max_wait_then_clear_transient_error(sleeps):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(_vendors("2025-03-01T12:00:00.000Z").build(), bill_error(*HOURLY, 429))
        output = read_streams(_config(max_rate_limit_wait_seconds=600), "vendors", expecting_exception=True)

    errors = [e.trace.error for e in output.errors]
    assert any(
        e.failure_type == FailureType.transient_error and "BDC_1144" in e.message and "600" in e.message
        for e in errors
    ), errors
    assert sleeps.calls == []


@freeze_time("2025-03-01T12:00:00Z")
def test_given_server_errors_when_reading_then_exponential_backoff_then_success(sleeps):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            _vendors("2025-03-01T12:00:00.000Z").build(),
            [
                bill_error("BDC_1001", "System error occurred.", 500),
                HttpResponse("<html>Bad gateway</html>", 502),
                object_error("Service Unavailable", 503),
                page(record("vendors")),
            ],
        )
        output = read_streams(_config(), "vendors")

    assert len(output.records) == 1
    assert sleeps.calls[:3] == [6.0, 11.0, 21.0]


@freeze_time("2025-03-01T12:00:00Z")
def test_given_server_error_that_persists_when_reading_then_fails_as_transient(sleeps):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            _vendors("2025-03-01T12:00:00.000Z").build(),
            bill_error("BDC_1001", "System error occurred.", 500),
        )
        output = read_streams(_config(), "vendors", expecting_exception=True)

    assert output.errors
    assert any(e.trace.error.failure_type == FailureType.transient_error for e in output.errors)
    assert len(sleeps.calls) == 6


@freeze_time("2025-03-01T12:00:00Z")
def test_given_plain_429_without_code_when_reading_then_retried(sleeps):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            _vendors("2025-03-01T12:00:00.000Z").build(),
            [object_error("Too Many Requests", 429), page(record("vendors"))],
        )
        output = read_streams(_config(), "vendors")

    assert len(output.records) == 1
    assert len(sleeps.calls) == 1
