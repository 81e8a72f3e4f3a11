"""One login per sync, re-login once on BDC_1109, login failures explained."""

from __future__ import annotations

from datetime import timedelta
from unittest import TestCase

import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import (
    SECOND_SESSION_ID,
    SESSION_ID,
    BillRequestBuilder,
    ap_ar_login_request,
    partner_login_request,
)
from .response_builder import bill_error, login_response, page, record, session_invalid
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
NOW_MS = "2025-03-01T12:00:00.000Z"
START_MS = "2025-01-01T00:00:00.000Z"


def _config():
    return ConfigBuilder().with_start_date("2025-01-01").build()


def _list(endpoint: str, session_id: str = SESSION_ID) -> BillRequestBuilder:
    return BillRequestBuilder.list(endpoint).with_session(session_id).with_updated_between(START_MS, NOW_MS)


@freeze_time(NOW)
class SessionTest(TestCase):
    @HttpMocker()
    def test_given_several_streams_when_reading_then_one_login_shared(self, http_mocker: HttpMocker) -> None:
        login = ap_ar_login_request()
        http_mocker.post(login, login_response())
        for endpoint in ("/vendors", "/bills", "/invoices", "/customers"):
            http_mocker.get(_list(endpoint).build(), page(record("generic").with_id(endpoint)))

        output = read_streams(_config(), "vendors", "bills", "invoices", "customers")

        assert sorted(r.record.data["id"] for r in output.records) == [
            "/bills",
            "/customers",
            "/invoices",
            "/vendors",
        ]
        http_mocker.assert_number_of_calls(login, 1)

    @HttpMocker()
    def test_given_expired_session_when_reading_then_relogs_in_once(self, http_mocker: HttpMocker) -> None:
        login = ap_ar_login_request()
        http_mocker.post(login, [login_response(SESSION_ID), login_response(SECOND_SESSION_ID)])
        http_mocker.get(_list("/vendors", SESSION_ID).build(), session_invalid())
        http_mocker.get(_list("/vendors", SECOND_SESSION_ID).build(), page(record("vendors")))

        output = read_streams(_config(), "vendors")

        assert len(output.records) == 1
        assert not output.errors
        http_mocker.assert_number_of_calls(login, 2)

    @HttpMocker()
    def test_given_expired_session_in_the_middle_of_pages_when_reading_then_resumes_same_page(
        self, http_mocker: HttpMocker
    ) -> None:
        login = ap_ar_login_request()
        http_mocker.post(login, [login_response(SESSION_ID), login_response(SECOND_SESSION_ID)])
        http_mocker.get(
            _list("/vendors", SESSION_ID).build(), page(record("vendors").with_id("p1"), next_page="c2")
        )
        http_mocker.get(_list("/vendors", SESSION_ID).with_page("c2").build(), session_invalid())
        http_mocker.get(
            _list("/vendors", SECOND_SESSION_ID).with_page("c2").build(),
            page(record("vendors").with_id("p2")),
        )

        output = read_streams(_config(), "vendors")

        assert [r.record.data["id"] for r in output.records] == ["p1", "p2"]
        http_mocker.assert_number_of_calls(login, 2)

    @HttpMocker()
    def test_given_new_session_also_rejected_when_reading_then_config_error_and_no_third_login(
        self, http_mocker: HttpMocker
    ) -> None:
        login = ap_ar_login_request()
        http_mocker.post(login, [login_response(SESSION_ID), login_response(SECOND_SESSION_ID)])
        http_mocker.get(_list("/vendors", SESSION_ID).build(), session_invalid())
        http_mocker.get(_list("/vendors", SECOND_SESSION_ID).build(), session_invalid())

        output = read_streams(_config(), "vendors", expecting_exception=True)

        errors = [e.trace.error for e in output.errors]
        assert any(e.failure_type == FailureType.config_error and "BDC_1109" in e.message for e in errors), (
            errors
        )
        http_mocker.assert_number_of_calls(login, 2)

    @HttpMocker()
    def test_given_bad_credentials_when_reading_then_one_config_error_naming_sync_token_before_any_stream(
        self, http_mocker: HttpMocker
    ) -> None:
        login = ap_ar_login_request()
        http_mocker.post(
            login, bill_error("BDC_1101", "User name and/or password do not match our records.", 400)
        )

        output = read_streams(_config(), "vendors", "bills", expecting_exception=True)

        errors = [e.trace.error for e in output.errors]
        assert len(errors) == 1, errors  # the read signs in first: no stream starts, none fails on its own
        assert errors[0].failure_type == FailureType.config_error
        assert "BDC_1101" in errors[0].message and "sync token" in errors[0].message
        assert not output.records
        http_mocker.assert_number_of_calls(login, 1)

    @HttpMocker()
    def test_given_concurrency_limit_on_login_when_reading_then_login_retried(
        self, http_mocker: HttpMocker
    ) -> None:
        login = ap_ar_login_request()
        http_mocker.post(
            login,
            [
                bill_error("BDC_1322", "Max number of concurrent requests per organization reached.", 429),
                login_response(),
            ],
        )
        http_mocker.get(_list("/vendors").build(), page(record("vendors")))

        output = read_streams(_config(), "vendors")

        assert len(output.records) == 1
        http_mocker.assert_number_of_calls(login, 2)

    @HttpMocker()
    def test_given_partner_auth_when_reading_then_partner_login_and_app_key_header(
        self, http_mocker: HttpMocker
    ) -> None:
        login = partner_login_request()
        http_mocker.post(login, login_response())
        http_mocker.get(
            BillRequestBuilder.list("/partner/organizations").with_partner_session().build(),
            page(record("organizations")),
        )

        output = read_streams(ConfigBuilder().partner().build(), "organizations")

        assert len(output.records) == 1
        http_mocker.assert_number_of_calls(login, 1)


def test_given_session_idle_past_refresh_between_pages_when_reading_then_relogs_in_before_next_request():
    """BILL ends sessions after 35 idle minutes; the connector signs in again after 30 (configurable)."""
    root = "https://gateway.test.bill.example/connect/v3"
    with freeze_time(NOW) as frozen, requests_mock.Mocker() as mocker:
        sessions = iter(["s1", "s2"])
        login = mocker.post(f"{root}/login", json=lambda request, context: {"sessionId": next(sessions)})
        seen: list[str] = []

        def vendors(request, context):
            seen.append(request.headers["sessionId"])
            if "page" not in request.qs:
                frozen.tick(timedelta(minutes=31))  # BILL takes long; the session sits idle meanwhile
                return {"results": [{"id": "p1"}], "nextPage": "c2"}
            return {"results": [{"id": "p2"}]}

        mocker.get(f"{root}/vendors", json=vendors)
        output = read_streams(_config(), "vendors")

    assert [r.record.data["id"] for r in output.records] == ["p1", "p2"]
    assert seen == ["s1", "s2"]
    assert login.call_count == 2


def test_given_short_gaps_between_pages_when_reading_then_session_is_kept():
    root = "https://gateway.test.bill.example/connect/v3"
    with freeze_time(NOW) as frozen, requests_mock.Mocker() as mocker:
        login = mocker.post(f"{root}/login", json={"sessionId": "s1"})
        pages = iter(
            [
                {"results": [{"id": "p1"}], "nextPage": "c2"},
                {"results": [{"id": "p2"}], "nextPage": "c3"},
                {"results": []},
            ]
        )

        def vendors(request, context):
            frozen.tick(timedelta(minutes=20))  # sliding: each request resets BILL's idle timer
            return next(pages)

        mocker.get(f"{root}/vendors", json=vendors)
        output = read_streams(_config(), "vendors")

    assert len(output.records) == 2
    assert login.call_count == 1
