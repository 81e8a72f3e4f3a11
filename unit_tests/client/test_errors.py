import json

import pytest

from source_bill.client.errors import (
    BillApiError,
    ErrorKind,
    Failure,
    classify,
    error_from_response,
    parse_error_body,
    redact,
)
from source_bill.client.retry import decide


def _array(code, message="boom"):
    item = {
        "timestamp": "2025-10-02T17:56:51.933+00:00",
        "severity": "ERROR",
        "category": "REQUEST",
        "message": message,
    }
    if code:
        item["code"] = code
    return json.dumps([item])


def test_given_bill_array_when_parsing_then_code_and_message_are_read():
    body = parse_error_body(_array("BDC_1109", "Session is invalid. Please log in."))
    assert body.envelope == "array"
    assert body.code == "BDC_1109"
    assert body.message == "Session is invalid. Please log in."
    assert body.items[0].severity == "ERROR"


def test_given_array_without_code_when_parsing_then_message_kept_and_no_code():
    body = parse_error_body(json.dumps([{"message": "address: must not be null", "severity": "ERROR"}]))
    assert body.envelope == "array"
    assert body.code is None
    assert body.message == "address: must not be null"
    assert classify(400, body) is ErrorKind.REQUEST_INVALID


def test_given_bare_object_when_parsing_then_message_kept():
    body = parse_error_body(b'{"message": "Unauthorized"}')
    assert body.envelope == "object"
    assert body.message == "Unauthorized"
    assert classify(401, body) is ErrorKind.UNAUTHORIZED


def test_given_html_when_parsing_then_non_json_with_excerpt():
    body = parse_error_body("<html>\n<body>  <h1>404 Not Found</h1></body></html>")
    assert body.envelope == "non_json"
    assert body.items == ()
    assert "404 Not Found" in body.message
    assert classify(404, body) is ErrorKind.NOT_BILL


def test_given_empty_body_when_parsing_then_empty_envelope():
    body = parse_error_body(b"")
    assert body.envelope == "empty"
    assert classify(502, body) is ErrorKind.SYSTEM_ERROR


def test_given_repeated_messages_when_reading_message_then_each_once():
    raw = json.dumps([{"code": "BDC_1402", "message": "Invalid"}, {"code": "BDC_1402", "message": "Invalid"}])
    assert parse_error_body(raw).message == "Invalid"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("BDC_1109", ErrorKind.SESSION_INVALID),
        ("BDC_1101", ErrorKind.BAD_CREDENTIALS),
        ("BDC_1102", ErrorKind.BAD_DEV_KEY),
        ("BDC_1105", ErrorKind.NO_API_ACCESS),
        ("BDC_1322", ErrorKind.CONCURRENCY_LIMIT),
        ("BDC_1144", ErrorKind.HOURLY_LIMIT),
        ("BDC_1001", ErrorKind.SYSTEM_ERROR),
        ("BDC_1361", ErrorKind.UNTRUSTED_SESSION),
        ("BDC_1121", ErrorKind.API_NOT_SUPPORTED),
    ],
)
def test_given_bdc_code_when_classifying_then_known_kind(code, kind):
    assert classify(400, parse_error_body(_array(code))) is kind


@pytest.mark.parametrize("status", [429, 422, 400, 403, 503])
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("BDC_1144", ErrorKind.HOURLY_LIMIT),
        ("BDC_1322", ErrorKind.CONCURRENCY_LIMIT),
        ("BDC_1149", ErrorKind.RATE_LIMITED),
    ],
)
def test_given_limit_code_under_any_status_when_classifying_then_limit(status, code, kind):
    error = error_from_response(status, _array(code))
    assert error.kind is kind
    assert error.failure is Failure.TRANSIENT
    assert decide(error, 1).retries


def test_given_several_codes_when_classifying_then_limit_wins():
    raw = json.dumps([{"code": "BDC_9999", "message": "x"}, {"code": "BDC_1322", "message": "y"}])
    assert classify(400, parse_error_body(raw)) is ErrorKind.CONCURRENCY_LIMIT


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, ErrorKind.RATE_LIMITED),
        (500, ErrorKind.SYSTEM_ERROR),
        (403, ErrorKind.PERMISSION_DENIED),
        (404, ErrorKind.NOT_BILL),
    ],
)
def test_given_codeless_json_when_classifying_then_status_decides(status, kind):
    assert classify(status, parse_error_body('[{"message": "x"}]')) is kind


def test_given_config_kinds_when_reading_failure_then_config():
    for code in ("BDC_1101", "BDC_1102", "BDC_1105"):
        assert error_from_response(400, _array(code)).failure is Failure.CONFIG


def test_given_error_when_formatting_then_status_code_and_message_present():
    error = error_from_response(
        401, _array("BDC_1109", "Session is invalid."), method="GET", path="/v3/vendors"
    )
    assert isinstance(error, BillApiError)
    text = str(error)
    assert (
        "GET /v3/vendors" in text and "401" in text and "BDC_1109" in text and "Session is invalid." in text
    )


def test_given_secrets_when_redacting_then_replaced():
    assert redact("key=abc123 and pw=hunter22", ["abc123", "hunter22", None]) == "key=**** and pw=****"
