"""Every error envelope BILL (or a stranger at the URL) may send, read as a specific message."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request
from .response_builder import bill_error, html_error, login_response, object_error
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
START_MS = "2025-01-01T00:00:00.000Z"


def _vendors() -> BillRequestBuilder:
    return (
        BillRequestBuilder.list("/vendors")
        .with_session()
        .with_updated_between(START_MS, "2025-03-01T12:00:00.000Z")
    )


def _read_failing(response: HttpResponse):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(_vendors().build(), response)
        return read_streams(
            ConfigBuilder().with_start_date("2025-01-01").build(), "vendors", expecting_exception=True
        )


def _errors(output):
    return [e.trace.error for e in output.errors]


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("response", "failure_type", "expected"),
    [
        pytest.param(
            bill_error("BDC_1145", "Current user or organization does not have valid permissions.", 403),
            FailureType.config_error,
            ["lacks permission", "/connect/v3/vendors", "valid permissions"],
            id="array-with-code",
        ),
        pytest.param(
            bill_error(None, "filters: unsupported operator", 400),
            FailureType.system_error,
            ["filters: unsupported operator", "HTTP 400"],
            id="array-without-code",
        ),
        pytest.param(
            object_error("Unauthorized", 401),
            FailureType.config_error,
            ["developer key", "environment"],
            id="bare-object",
        ),
        pytest.param(
            html_error(404),
            FailureType.config_error,
            ["did not answer like a BILL API gateway", "HTTP 404", "Base URL"],
            id="html",
        ),
        pytest.param(
            HttpResponse("<html>login page</html>", 200),
            FailureType.config_error,
            ["did not answer like a BILL API gateway", "HTTP 200"],
            id="html-with-200",
        ),
        pytest.param(
            bill_error("BDC_1121", "API not supported.", 404),
            FailureType.config_error,
            ["BDC_1121"],
            id="bill-404",
        ),
    ],
)
def test_given_error_envelope_when_reading_then_specific_message_and_failure_type(
    response, failure_type, expected
):
    output = _read_failing(response)

    errors = _errors(output)
    matching = [
        e for e in errors if e.failure_type == failure_type and all(text in e.message for text in expected)
    ]
    assert matching, errors
