"""AP/AR list streams, customers as the example: pagination, incremental state, archived records."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request
from .response_builder import login_response, page, record
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
NOW_MS = "2025-03-01T12:00:00.000Z"
START_DATE = "2025-01-01T00:00:00Z"
START_MS = "2025-01-01T00:00:00.000Z"
STREAM = "customers"


def _customers() -> BillRequestBuilder:
    return BillRequestBuilder.list("/customers").with_session()


def _config(**options):
    builder = ConfigBuilder().with_start_date(START_DATE)
    for key, value in options.items():
        builder.with_option(key, value)
    return builder.build()


@freeze_time(NOW)
class FullRefreshTest(TestCase):
    @HttpMocker()
    def test_given_one_page_when_read_then_records_emitted_and_one_login(
        self, http_mocker: HttpMocker
    ) -> None:
        login = ap_ar_login_request()
        http_mocker.post(login, login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(record("customers").with_id("0cu1"), record("customers").with_id("0cu2")),
        )

        output = read_streams(_config(), STREAM)

        assert [r.record.data["id"] for r in output.records] == ["0cu1", "0cu2"]
        http_mocker.assert_number_of_calls(login, 1)

    @HttpMocker()
    def test_given_next_page_when_read_then_sends_cursor_as_page_param(self, http_mocker: HttpMocker) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(record("customers").with_id("0cu1"), next_page="cursor-2"),
        )
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).with_page("cursor-2").build(),
            page(record("customers").with_id("0cu2"), next_page=None),
        )

        output = read_streams(_config(), STREAM)

        assert [r.record.data["id"] for r in output.records] == ["0cu1", "0cu2"]

    @HttpMocker()
    def test_given_empty_page_with_next_page_when_read_then_keeps_paging(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(_customers().with_updated_between(START_MS, NOW_MS).build(), page(next_page="c2"))
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).with_page("c2").build(),
            page(record("customers").with_id("0cu9")),
        )

        output = read_streams(_config(), STREAM)

        assert [r.record.data["id"] for r in output.records] == ["0cu9"]

    @HttpMocker()
    def test_given_absent_or_null_next_page_when_read_then_stops(self, http_mocker: HttpMocker) -> None:
        # The first page has no `nextPage` key at all, BILL's usual last page; a second request would fail
        # the mocker ("no matcher").
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(record("customers"), prev_page=None),
        )

        output = read_streams(_config(), STREAM)

        assert len(output.records) == 1
        assert not output.errors

    @HttpMocker()
    def test_given_repeated_cursor_when_read_then_fails_with_clear_error(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(record("customers"), next_page="loop"),
        )
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).with_page("loop").build(),
            page(record("customers").with_id("0cu2"), next_page="loop"),
        )

        output = read_streams(_config(), STREAM, expecting_exception=True)

        errors = [e.trace.error for e in output.errors]
        assert any(
            "same page cursor twice" in e.message
            and "customers" in e.message
            and e.failure_type == FailureType.system_error
            for e in errors
        ), errors

    @HttpMocker()
    def test_given_archived_record_when_read_then_emitted_with_its_flag(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(
                record("customers").with_id("live"),
                record("customers").with_id("gone").with_field(FieldPath("archived"), True),
            ),
        )

        output = read_streams(_config(), STREAM)

        archived = {r.record.data["id"]: r.record.data["archived"] for r in output.records}
        assert archived == {"live": False, "gone": True}

    @HttpMocker()
    def test_given_page_size_option_when_read_then_max_param_follows_it(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            BillRequestBuilder("/customers")
            .with_max(25)
            .with_session()
            .with_updated_between(START_MS, NOW_MS)
            .build(),
            page(record("customers")),
        )

        output = read_streams(_config(page_size=25), STREAM)

        assert len(output.records) == 1


@freeze_time(NOW)
class IncrementalTest(TestCase):
    @HttpMocker()
    def test_given_no_state_when_read_then_filters_from_start_date_and_state_is_newest_updated_time(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between(START_MS, NOW_MS).build(),
            page(
                record("customers").with_id("a").with_cursor("2025-01-05T08:00:00.000+00:00"),
                record("customers").with_id("b").with_cursor("2025-02-10T09:30:15.123+00:00"),
            ),
        )

        output = read_streams(_config(), STREAM, sync_mode=SyncMode.incremental)

        assert len(output.records) == 2
        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-10T09:30:15.123Z"}

    @HttpMocker()
    def test_given_state_when_read_then_inclusive_filter_from_state_keeps_boundary_record(
        self, http_mocker: HttpMocker
    ) -> None:
        state = StateBuilder().with_stream_state(STREAM, {"updatedTime": "2025-02-10T09:30:15.123Z"}).build()
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between("2025-02-10T09:30:15.123Z", NOW_MS).build(),
            page(
                record("customers").with_id("boundary").with_cursor("2025-02-10T09:30:15.123+00:00"),
                record("customers").with_id("newer").with_cursor("2025-02-20T00:00:00.000+00:00"),
            ),
        )

        output = read_streams(_config(), STREAM, sync_mode=SyncMode.incremental, state=state)

        assert [r.record.data["id"] for r in output.records] == ["boundary", "newer"]
        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-20T00:00:00.000Z"}

    @HttpMocker()
    def test_given_lookback_window_when_read_then_filter_starts_before_state(
        self, http_mocker: HttpMocker
    ) -> None:
        state = StateBuilder().with_stream_state(STREAM, {"updatedTime": "2025-02-10T09:30:00.000Z"}).build()
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(_customers().with_updated_between("2025-02-10T09:25:00.000Z", NOW_MS).build(), page())

        output = read_streams(
            _config(lookback_window_seconds=300), STREAM, sync_mode=SyncMode.incremental, state=state
        )

        assert output.records == []
        assert not output.errors

    @HttpMocker()
    def test_given_no_records_when_read_then_state_stays_at_previous_value(
        self, http_mocker: HttpMocker
    ) -> None:
        state = StateBuilder().with_stream_state(STREAM, {"updatedTime": "2025-02-10T09:30:00.000Z"}).build()
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(_customers().with_updated_between("2025-02-10T09:30:00.000Z", NOW_MS).build(), page())

        output = read_streams(_config(), STREAM, sync_mode=SyncMode.incremental, state=state)

        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-10T09:30:00.000Z"}

    @HttpMocker()
    def test_given_record_without_updated_time_when_read_then_still_emitted(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        no_cursor = record("customers").with_id("odd").build()
        del no_cursor["updatedTime"]
        http_mocker.get(_customers().with_updated_between(START_MS, NOW_MS).build(), page(no_cursor))

        output = read_streams(_config(), STREAM, sync_mode=SyncMode.incremental)

        assert [r.record.data["id"] for r in output.records] == ["odd"]


@freeze_time("2000-06-01T00:00:00Z")
class AllHistoryTest(TestCase):
    @HttpMocker()
    def test_given_no_start_date_when_read_then_reads_from_the_beginning_of_history(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.post(ap_ar_login_request(), login_response())
        http_mocker.get(
            _customers().with_updated_between("2000-01-01T00:00:00.000Z", "2000-06-01T00:00:00.000Z").build(),
            page(record("customers").with_cursor("2000-02-01T00:00:00.000+00:00")),
        )

        output = read_streams(ConfigBuilder().build(), STREAM, sync_mode=SyncMode.incremental)

        assert len(output.records) == 1
