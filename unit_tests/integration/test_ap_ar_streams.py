"""Every AP/AR list stream reads BILL's path with the right filter, sort and cursor parameters."""

from __future__ import annotations

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from .config import ConfigBuilder
from .request_builder import BillRequestBuilder, ap_ar_login_request
from .response_builder import login_response, page, record
from .source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
NOW_MS = "2025-03-01T12:00:00.000Z"
START_MS = "2025-01-01T00:00:00.000Z"

SERVER_SIDE = {
    "customers": "/customers",
    "invoices": "/invoices",
    "receivable_payments": "/receivable-payments",
    "credit_memos": "/credit-memos",
    "vendors": "/vendors",
    "bills": "/bills",
    "payments": "/payments",
    "vendor_credits": "/vendor-credits",
    "users": "/users",
    "roles": "/roles",
    "chart_of_accounts": "/classifications/chart-of-accounts",
    "accounting_classes": "/classifications/accounting-classes",
    "departments": "/classifications/departments",
    "employees": "/classifications/employees",
    "items": "/classifications/items",
    "jobs": "/classifications/jobs",
    "locations": "/classifications/locations",
    "bank_accounts": "/funding-accounts/banks",
}
CLIENT_SIDE = {"recurring_invoices": "/recurring-invoices", "recurring_bills": "/recurringbills"}


def _config():
    return ConfigBuilder().with_start_date("2025-01-01").build()


@pytest.mark.parametrize(("stream", "endpoint"), sorted(SERVER_SIDE.items()))
@freeze_time(NOW)
def test_given_stream_when_read_incrementally_then_filters_and_sorts_on_updated_time(stream, endpoint):
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder.list(endpoint).with_session().with_updated_between(START_MS, NOW_MS).build(),
            page(
                record("generic").with_id(f"{stream}-1").with_cursor("2025-02-01T00:00:00.000+00:00"),
                next_page="p2",
            ),
        )
        http.get(
            BillRequestBuilder.list(endpoint)
            .with_session()
            .with_updated_between(START_MS, NOW_MS)
            .with_page("p2")
            .build(),
            page(record("generic").with_id(f"{stream}-2").with_cursor("2025-02-02T00:00:00.000+00:00")),
        )
        output = read_streams(_config(), stream, sync_mode=SyncMode.incremental)

    assert [r.record.data["id"] for r in output.records] == [f"{stream}-1", f"{stream}-2"]
    assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": "2025-02-02T00:00:00.000Z"}


@pytest.mark.parametrize(("stream", "endpoint"), sorted(CLIENT_SIDE.items()))
@freeze_time(NOW)
def test_given_recurring_templates_when_read_incrementally_then_all_pages_read_and_older_skipped(
    stream, endpoint
):
    state = StateBuilder().with_stream_state(stream, {"updatedTime": "2025-02-01T00:00:00.000Z"}).build()
    with HttpMocker() as http:
        http.post(ap_ar_login_request(), login_response())
        http.get(
            BillRequestBuilder.list(endpoint).with_session().build(),
            page(
                record("generic").with_id("old").with_cursor("2025-01-01T00:00:00.000+00:00"),
                record("generic").with_id("new").with_cursor("2025-02-15T00:00:00.000+00:00"),
            ),
        )
        output = read_streams(_config(), stream, sync_mode=SyncMode.incremental, state=state)

    assert [r.record.data["id"] for r in output.records] == ["new"]
