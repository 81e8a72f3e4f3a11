"""Full and incremental syncs against the emulator: every stream, every auth type, nothing lost."""

from __future__ import annotations

import copy

import pytest
import requests
from airbyte_cdk.models import SyncMode

from bill_emulator import EmulatorServer
from integration_tests.reliability.harness import stored_versions
from integration_tests.sync import ids_by_stream, stream_names, sync

AP_AR_KINDS = {
    "customers": "customers",
    "customer_bank_accounts": "customer_bank_accounts",
    "invoices": "invoices",
    "receivable_payments": "receivable_payments",
    "credit_memos": "credit_memos",
    "recurring_invoices": "recurring_invoices",
    "vendors": "vendors",
    "bills": "bills",
    "payments": "payments",
    "vendor_credits": "vendor_credits",
    "recurring_bills": "recurring_bills",
    "users": "users",
    "roles": "roles",
    "chart_of_accounts": "chart_of_accounts",
    "accounting_classes": "accounting_classes",
    "departments": "departments",
    "employees": "employees",
    "items": "items",
    "jobs": "jobs",
    "locations": "locations",
    "bank_accounts": "bank_accounts",
}
LINE_ITEM_STREAMS = (
    "invoice_line_items",
    "credit_memo_line_items",
    "bill_line_items",
    "vendor_credit_line_items",
)
SPEND_KINDS = {
    "spend_transactions": "spend_transactions",
    "spend_reimbursements": "spend_reimbursements",
    "spend_cards": "spend_cards",
    "spend_budgets": "spend_budgets",
    "spend_users": "spend_users",
    "spend_custom_fields": "spend_custom_fields",
}


def expected_ids(server: EmulatorServer, auth_type: str) -> dict[str, set[str]]:
    """What the emulator holds for each stream of an auth type (the ground truth)."""
    store = server.emulator.store
    creds = server.emulator.credentials
    if auth_type == "ap_ar":
        org = creds["ap_ar"]["organization_id"]
        expected = {stream: {row.id for row in store.find(kind, org)} for stream, kind in AP_AR_KINDS.items()}
        expected["organization"] = {org}
        for stream in LINE_ITEM_STREAMS:
            expected[stream] = {key[1] for key in stored_versions(server, "ap_ar", [stream])}
        return expected
    if auth_type == "partner":
        orgs = {row.id for row in store.find("organizations", creds["partner"]["partner_id"])}
        return {
            "organizations": orgs,
            "partner_users": {row.id for org in orgs for row in store.find("users", org)},
            "partner_roles": {row.id for org in orgs for row in store.find("roles", org)},
        }
    company = store.credentials("api_token", creds["spend_expense"]["api_token"])[0][2]
    return {stream: {row.id for row in store.find(kind, company)} for stream, kind in SPEND_KINDS.items()}


@pytest.mark.parametrize("auth_type", ["ap_ar", "partner", "spend_expense"])
def test_given_each_auth_type_when_full_refresh_then_every_stream_equals_the_emulator_data(
    bill_emulator, auth_type
):
    config = bill_emulator.config(auth_type)
    expected = expected_ids(bill_emulator, auth_type)
    assert set(stream_names(config)) == set(expected)

    output = sync(config)

    assert not output.errors, [e.trace.error.message for e in output.errors]
    got = ids_by_stream(output)
    for stream, ids in expected.items():
        assert ids, f"the emulator has no {stream}: the test would prove nothing"
        assert sorted(got.get(stream, [])) == sorted(ids), f"{stream} differs from the emulator's data"


def test_given_a_full_sync_when_reading_then_one_login_serves_every_stream(bill_emulator):
    before = bill_emulator.counters()["logins"]
    output = sync(bill_emulator.config("ap_ar"))
    assert not output.errors
    assert bill_emulator.counters()["logins"] - before == 1


INCREMENTAL = ["customers", "invoices", "receivable_payments"]


def test_given_state_when_changes_are_written_then_next_incremental_sync_returns_exactly_them(bill_emulator):
    config = copy.deepcopy(bill_emulator.config("ap_ar"))
    config["lookback_window_seconds"] = 0
    first = sync(config, INCREMENTAL, SyncMode.incremental)
    assert not first.errors and first.records
    state = [message.state for message in first.state_messages]
    unchanged = sync(config, INCREMENTAL, SyncMode.incremental, state=state)
    boundary = ids_by_stream(unchanged)  # records on the inclusive boundary millisecond come back

    base = bill_emulator.base_url
    s = requests.Session()
    s.headers.update(bill_emulator.login_headers())
    new_customer = s.post(
        f"{base}/v3/customers",
        json={
            "name": "Incremental Co",
            "billingAddress": {
                "line1": "1 Main St",
                "city": "Austin",
                "stateOrProvince": "TX",
                "zipOrPostalCode": "78701",
                "country": "US",
            },
        },
    ).json()
    patched = s.get(f"{base}/v3/customers", params={"max": 1}).json()["results"][0]
    s.patch(f"{base}/v3/customers/{patched['id']}", json={"description": "changed"}).raise_for_status()
    invoice = s.post(
        f"{base}/v3/invoices",
        json={"customer": {"id": new_customer["id"]}, "invoiceLineItems": [{"quantity": 1, "price": 250}]},
    ).json()
    payment = s.post(
        f"{base}/v3/invoices/record-payment",
        json={
            "amount": 250,
            "customerId": new_customer["id"],
            "invoices": [{"id": invoice["id"], "amount": 250}],
            "paymentDate": "2026-01-05",
            "paymentType": "CHECK",
        },
    ).json()
    open_invoices = {"max": 1, "filters": "archived:eq:false,status:eq:OPEN"}
    archived = s.get(f"{base}/v3/invoices", params=open_invoices).json()["results"][0]
    s.post(f"{base}/v3/invoices/{archived['id']}/archive").raise_for_status()

    second = sync(config, INCREMENTAL, SyncMode.incremental, state=state)

    assert not second.errors
    got = {stream: set(ids) - set(boundary.get(stream, [])) for stream, ids in ids_by_stream(second).items()}
    archived_customer = archived["customerId"]  # its balance dropped with the open invoice archived
    assert got["customers"] == {new_customer["id"], patched["id"], archived_customer}
    assert got["invoices"] == {invoice["id"], archived["id"]}
    assert got["receivable_payments"] == {payment["id"]}
    records = {m.record.data["id"]: m.record.data for m in second.records}
    assert records[archived["id"]]["archived"] is True
    assert records[invoice["id"]]["status"] == "PAID_IN_FULL"


def test_given_incremental_state_when_nothing_changed_then_only_boundary_records_return(bill_emulator):
    config = copy.deepcopy(bill_emulator.config("ap_ar"))
    config["lookback_window_seconds"] = 0
    first = sync(config, ["invoices"], SyncMode.incremental)
    state = [message.state for message in first.state_messages]
    again = sync(config, ["invoices"], SyncMode.incremental, state=state)
    newest = max(m.record.data["updatedTime"] for m in first.records)
    assert all(m.record.data["updatedTime"] == newest for m in again.records)
