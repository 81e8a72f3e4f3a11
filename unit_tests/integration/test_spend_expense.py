"""Spend & Expense streams: apiToken header, `nextPage=` cursor, 50-row transaction pages."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from .config import API_TOKEN, ConfigBuilder
from .request_builder import BillRequestBuilder
from .response_builder import page, record
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
NOW_MS = "2025-03-01T12:00:00.000Z"


def _spend(endpoint: str, max_: int = 100) -> BillRequestBuilder:
    return BillRequestBuilder(endpoint).with_max(max_).with_api_token(API_TOKEN)


def _transactions(start: str) -> BillRequestBuilder:
    return (
        _spend("/spend/transactions", 50)
        .with_updated_between(start, NOW_MS, sort=False)
        .with_param("includeReceipts", "true")
    )


def _config():
    return ConfigBuilder().spend_expense().with_start_date("2025-01-01").build()


@freeze_time(NOW)
class SpendTransactionsTest(TestCase):
    @HttpMocker()
    def test_given_pages_when_read_then_next_page_param_max_50_and_updated_time_filter(
        self, http_mocker: HttpMocker
    ) -> None:
        start = "2025-01-01T00:00:00.000Z"
        http_mocker.get(
            _transactions(start).build(),
            page(
                record("spend_transactions").with_id("t1").with_cursor("2025-02-01T10:00:00.000+00:00"),
                next_page="n2",
            ),
        )
        http_mocker.get(
            _transactions(start).with_next_page("n2").build(),
            page(
                record("spend_transactions").with_id("t2").with_cursor("2025-02-02T10:00:00.000+00:00"),
                next_page=None,
            ),
        )

        output = read_streams(_config(), "spend_transactions", sync_mode=SyncMode.incremental)

        assert [r.record.data["id"] for r in output.records] == ["t1", "t2"]
        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-02T10:00:00.000Z"}

    @HttpMocker()
    def test_given_unsorted_records_when_read_then_state_is_the_newest_of_the_slice(
        self, http_mocker: HttpMocker
    ) -> None:
        start = "2025-01-01T00:00:00.000Z"
        http_mocker.get(
            _transactions(start).build(),
            page(
                record("spend_transactions").with_id("late").with_cursor("2025-02-20T00:00:00.000+00:00"),
                record("spend_transactions").with_id("early").with_cursor("2025-01-10T00:00:00.000+00:00"),
            ),
        )

        output = read_streams(_config(), "spend_transactions", sync_mode=SyncMode.incremental)

        assert len(output.records) == 2
        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-20T00:00:00.000Z"}

    @HttpMocker()
    def test_given_state_when_read_then_filter_starts_at_state(self, http_mocker: HttpMocker) -> None:
        state = (
            StateBuilder()
            .with_stream_state("spend_transactions", {"updatedTime": "2025-02-20T00:00:00.000Z"})
            .build()
        )
        http_mocker.get(_transactions("2025-02-20T00:00:00.000Z").build(), page())

        output = read_streams(_config(), "spend_transactions", sync_mode=SyncMode.incremental, state=state)

        assert output.records == []
        assert not output.errors

    @HttpMocker()
    def test_given_invalid_token_when_read_then_config_error_naming_the_token(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.get(_transactions("2025-01-01T00:00:00.000Z").build(), HttpResponse("Unauthorized", 401))

        output = read_streams(_config(), "spend_transactions", expecting_exception=True)

        errors = [e.trace.error for e in output.errors]
        assert any(e.failure_type == FailureType.config_error and "API token" in e.message for e in errors), (
            errors
        )


@freeze_time(NOW)
class SpendListsTest(TestCase):
    @HttpMocker()
    def test_given_budgets_when_read_then_full_refresh_with_next_page_cursor(
        self, http_mocker: HttpMocker
    ) -> None:
        http_mocker.get(
            _spend("/spend/budgets").build(), page(record("spend_budgets").with_id("b1"), next_page="n2")
        )
        http_mocker.get(
            _spend("/spend/budgets").with_next_page("n2").build(), page(record("spend_budgets").with_id("b2"))
        )

        output = read_streams(_config(), "spend_budgets")

        assert [r.record.data["id"] for r in output.records] == ["b1", "b2"]

    @HttpMocker()
    def test_given_state_when_read_cards_then_older_cards_skipped_client_side(
        self, http_mocker: HttpMocker
    ) -> None:
        state = (
            StateBuilder()
            .with_stream_state("spend_cards", {"updatedTime": "2025-02-01T00:00:00.000Z"})
            .build()
        )
        http_mocker.get(
            _spend("/spend/cards").build(),
            page(
                record("spend_cards").with_id("old").with_cursor("2025-01-15T00:00:00.000+00:00"),
                record("spend_cards").with_id("new").with_cursor("2025-02-15T00:00:00.000+00:00"),
            ),
        )

        output = read_streams(_config(), "spend_cards", sync_mode=SyncMode.incremental, state=state)

        assert [r.record.data["id"] for r in output.records] == ["new"]
        assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-15T00:00:00.000Z"}

    @HttpMocker()
    def test_given_every_spend_list_when_read_then_api_token_and_no_login(
        self, http_mocker: HttpMocker
    ) -> None:
        for endpoint in ("/spend/reimbursements", "/spend/users", "/spend/custom-fields"):
            http_mocker.get(_spend(endpoint).build(), page(record("generic").with_id(endpoint)))

        output = read_streams(_config(), "spend_reimbursements", "spend_users", "spend_custom_fields")

        assert sorted(r.record.data["id"] for r in output.records) == [
            "/spend/custom-fields",
            "/spend/reimbursements",
            "/spend/users",
        ]
