"""Discover returns exactly the streams of the configured kind of authentication."""

from __future__ import annotations

import pytest

from source_bill import SourceBill

from .config import ConfigBuilder
from .source_runner import discover_streams

AP_AR_STREAMS = {
    "customers",
    "customer_bank_accounts",
    "invoices",
    "receivable_payments",
    "credit_memos",
    "recurring_invoices",
    "vendors",
    "bills",
    "payments",
    "vendor_credits",
    "recurring_bills",
    "users",
    "roles",
    "organization",
    "chart_of_accounts",
    "accounting_classes",
    "departments",
    "employees",
    "items",
    "jobs",
    "locations",
    "bank_accounts",
    "invoice_line_items",
    "credit_memo_line_items",
    "bill_line_items",
    "vendor_credit_line_items",
}
PARTNER_STREAMS = {"organizations", "partner_users", "partner_roles"}
SPEND_STREAMS = {
    "spend_transactions",
    "spend_reimbursements",
    "spend_cards",
    "spend_budgets",
    "spend_users",
    "spend_custom_fields",
}
SERVER_SIDE_INCREMENTAL = {
    "customers",
    "invoices",
    "receivable_payments",
    "credit_memos",
    "vendors",
    "bills",
    "payments",
    "vendor_credits",
    "users",
    "roles",
    "chart_of_accounts",
    "accounting_classes",
    "departments",
    "employees",
    "items",
    "jobs",
    "locations",
    "bank_accounts",
    "spend_transactions",
    "invoice_line_items",
    "credit_memo_line_items",
    "bill_line_items",
    "vendor_credit_line_items",
}
CLIENT_SIDE_INCREMENTAL = {"recurring_invoices", "recurring_bills", "spend_cards"}


def _catalog(config):
    output = discover_streams(config)
    assert not output.errors
    return {stream.name: stream for stream in output.catalog.catalog.streams}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (ConfigBuilder().build(), AP_AR_STREAMS),
        (ConfigBuilder().partner().build(), PARTNER_STREAMS),
        (ConfigBuilder().spend_expense().build(), SPEND_STREAMS),
    ],
    ids=["ap_ar", "partner", "spend_expense"],
)
def test_given_auth_type_when_discover_then_exactly_its_streams_with_their_primary_key(config, expected):
    streams = _catalog(config)
    assert set(streams) == expected
    for stream in streams.values():
        # Spend & Expense objects are keyed on `uuid` (BILL deprecates their `id`), the others on `id`.
        key = "uuid" if stream.name in SPEND_STREAMS else "id"
        assert stream.source_defined_primary_key == [[key]], stream.name
        assert stream.json_schema["properties"][key]["type"] == "string"
        assert stream.json_schema["required"] == [key]


def test_given_streams_when_discover_then_incremental_exactly_where_updated_time_is_a_cursor():
    streams = {
        **_catalog(ConfigBuilder().build()),
        **_catalog(ConfigBuilder().partner().build()),
        **_catalog(ConfigBuilder().spend_expense().build()),
    }
    incremental = {
        name for name, s in streams.items() if "incremental" in [m.value for m in s.supported_sync_modes]
    }
    assert incremental == SERVER_SIDE_INCREMENTAL | CLIENT_SIDE_INCREMENTAL
    for name in incremental:
        assert streams[name].default_cursor_field == ["updatedTime"]
        assert streams[name].source_defined_cursor is True
        assert "updatedTime" in streams[name].json_schema["properties"]


def test_given_source_built_without_config_when_discover_then_uses_the_given_config():
    output = discover_streams(ConfigBuilder().spend_expense().build(), source=SourceBill())
    assert {s.name for s in output.catalog.catalog.streams} == SPEND_STREAMS


def test_given_no_credentials_when_building_source_then_no_error_and_no_streams():
    source = SourceBill()
    assert source.streams(config={}) == []
