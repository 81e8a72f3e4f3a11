"""No secret in any output; base URL variants all reach `/connect/v3/...`; at most 3 requests in flight."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests_mock
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import API_TOKEN, DEV_KEY, SECRETS, ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request
from .response_builder import bill_error, login_response, page, record, session_invalid
from .source_runner import check, output_text, read_streams

NOW = "2025-03-01T12:00:00Z"
START_MS = "2025-01-01T00:00:00.000Z"
NOW_MS = "2025-03-01T12:00:00.000Z"


def _assert_no_secret(output) -> None:
    text = output_text(output)
    assert text
    for secret in SECRETS:
        assert secret not in text, secret


@freeze_time(NOW)
def test_given_failures_and_relogin_when_reading_with_debug_then_no_secret_in_any_message():
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), [login_response("s1"), login_response("s2")])
        vendors = BillRequestBuilder.list("/vendors").with_updated_between(START_MS, NOW_MS)
        http.get(vendors.with_session("s1").build(), session_invalid())
        http.get(
            BillRequestBuilder.list("/vendors")
            .with_updated_between(START_MS, NOW_MS)
            .with_session("s2")
            .build(),
            [bill_error("BDC_1322", "busy", 429), bill_error(None, f"echo {DEV_KEY}", 400)],
        )
        output = read_streams(
            ConfigBuilder().with_start_date("2025-01-01").build(), "vendors", expecting_exception=True
        )
    assert output.errors
    _assert_no_secret(output)


def test_given_bad_token_when_check_then_no_secret_in_output():
    with HttpMocker() as http:
        http.get(
            BillRequestBuilder("/spend/users").with_param("max", "1").with_api_token(API_TOKEN).build(),
            bill_error(None, f"token {API_TOKEN} is not valid", 401),
        )
        output = check(ConfigBuilder().spend_expense().build())
    _assert_no_secret(output)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://gateway.test.bill.example/connect",
        "https://gateway.test.bill.example/connect/",
        "https://gateway.test.bill.example/connect/v3",
        "https://gateway.test.bill.example/connect/v3/",
    ],
)
@freeze_time(NOW)
def test_given_base_url_variant_when_reading_then_requests_go_to_single_v3(base_url):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder.list("/vendors").with_session().with_updated_between(START_MS, NOW_MS).build(),
            page(record("vendors")),
        )
        output = read_streams(
            ConfigBuilder().with_base_url(base_url).with_start_date("2025-01-01").build(), "vendors"
        )
    assert len(output.records) == 1


@pytest.mark.parametrize(
    ("environment", "host"),
    [("production", "gateway.prod.bill.com"), ("sandbox", "gateway.stage.bill.com")],
)
@freeze_time(NOW)
def test_given_environment_without_base_url_when_reading_then_bill_gateway_host(environment, host):
    with requests_mock.Mocker() as mocker:
        mocker.post(f"https://{host}/connect/v3/login", json={"sessionId": "s"})
        mocker.get(
            f"https://{host}/connect/v3/vendors",
            json={"results": [{"id": "v", "updatedTime": "2025-02-01T00:00:00.000+00:00"}]},
        )
        config = (
            ConfigBuilder()
            .with_base_url(None)
            .with_environment(environment)
            .with_start_date("2025-01-01")
            .build()
        )
        output = read_streams(config, "vendors")
    assert len(output.records) == 1


class _SlowBill(BaseHTTPRequestHandler):
    """A local stand-in for BILL that answers slowly and records how many requests overlap."""

    lock = threading.Lock()
    in_flight = 0
    peak = 0
    logins = 0

    def _answer(self, payload: dict) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.peak = max(cls.peak, cls.in_flight)
        time.sleep(0.1)
        with cls.lock:
            cls.in_flight -= 1
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).logins += 1
        self._answer({"sessionId": "s"})

    def do_GET(self) -> None:
        self._answer({"results": [{"id": urlsplit(self.path).path.rsplit("/", 1)[-1]}]})

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize(("max_concurrent_requests", "limit"), [(3, 3), (2, 2), (None, 3)])
def test_given_many_streams_when_reading_then_in_flight_requests_never_exceed_the_limit(
    max_concurrent_requests, limit
):
    handler = type(
        "Handler", (_SlowBill,), {"in_flight": 0, "peak": 0, "logins": 0, "lock": threading.Lock()}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    streams = ["vendors", "bills", "invoices", "customers", "payments", "users", "roles", "items"]
    try:
        config = (
            ConfigBuilder()
            .with_base_url(f"http://127.0.0.1:{server.server_port}/connect")
            .with_start_date("2025-01-01")
        )
        if max_concurrent_requests is not None:
            config.with_option("max_concurrent_requests", max_concurrent_requests)
        output = read_streams(config.build(), *streams)
    finally:
        server.shutdown()
        server.server_close()
    assert {r.record.data["id"] for r in output.records} == set(streams)
    assert 1 < handler.peak <= limit
    assert handler.logins == 1
