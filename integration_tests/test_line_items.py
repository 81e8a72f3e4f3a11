"""Line-item streams deliver exactly the lines inside their documents, full and incremental.

Against the emulator: a full sync of the four line-item streams returns every line of every
invoice, bill, credit memo and vendor credit in the emulator's store, once, each with its parent's
id and `updatedTime`; after a new invoice, the incremental sync returns exactly the lines of the
documents updated since each stream's state (the document at the cursor's millisecond is read
again, as BILL's inclusive bound does for every stream): the new invoice's among them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import requests

from bill_emulator import EmulatorSettings, Limits, running_emulator
from integration_tests.reliability.harness import LINE_ITEMS, first_sync_catalog, latest_states, run_sync
from source_bill.client.sessions import reset_shared_sessions


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stored_lines(server, since: dict[str, str] | None = None) -> set[tuple[str, str, str]]:
    """(stream, line id, parent id) of every line in the store (of documents updated at or after
    the stream's cursor in `since`)."""
    org = server.emulator.credentials["ap_ar"]["organization_id"]
    lines = set()
    for stream, (kind, field, _) in LINE_ITEMS.items():
        for row in server.emulator.store.find(kind, org):
            if since is not None and _time(row.body["updatedTime"]) < _time(since[stream]):
                continue
            lines.update((stream, str(line["id"]), row.id) for line in row.body.get(field) or [])
    return lines


def _delivered(run) -> list[tuple[str, str, str]]:
    return [
        (
            message.record.stream,
            str(message.record.data["id"]),
            message.record.data[LINE_ITEMS[message.record.stream][2]],
        )
        for message in run.output.records
    ]


def test_given_documents_with_lines_when_syncing_full_then_incremental_then_exactly_their_lines():
    settings = EmulatorSettings(
        scale="small", seed=17, limits=Limits(requests_per_hour=None, logins_per_hour=None)
    )
    with running_emulator(settings) as server:
        config = {**server.config("ap_ar"), "page_size": 25, "lookback_window_seconds": 0}
        catalog = first_sync_catalog(config, list(LINE_ITEMS))
        reset_shared_sessions(include_login_budgets=True)
        full = run_sync(config, catalog)
        assert full.succeeded

        delivered = _delivered(full)
        assert Counter(delivered).most_common(1)[0][1] == 1, "a line delivered twice"
        assert set(delivered) == _stored_lines(server)
        assert {stream for stream, _, _ in delivered} == set(LINE_ITEMS), (
            "a stream with no lines proves nothing"
        )
        for message in full.output.records:
            assert message.record.data["updatedTime"], message.record.stream

        # A new invoice with two lines.
        http = requests.Session()
        http.headers.update(server.login_headers())
        customer = http.get(f"{server.base_url}/v3/customers", params={"max": 1}, timeout=30).json()[
            "results"
        ][0]
        created = http.post(
            f"{server.base_url}/v3/invoices",
            json={
                "customer": {"id": customer["id"]},
                "invoiceLineItems": [{"quantity": 1, "price": 10}, {"quantity": 2, "price": 20}],
            },
            timeout=30,
        ).json()
        cursors = {
            state.stream.stream_descriptor.name: state.stream.stream_state.__dict__["updatedTime"]
            for state in latest_states([full])
        }
        reset_shared_sessions(include_login_budgets=True)
        incremental = run_sync(config, catalog, latest_states([full]))
        assert incremental.succeeded

        got = _delivered(incremental)
        assert Counter(got).most_common(1)[0][1] == 1, "a line delivered twice"
        new_lines = {
            ("invoice_line_items", str(line["id"]), created["id"]) for line in created["invoiceLineItems"]
        }
        assert len(new_lines) == 2 and new_lines <= set(got)
        assert set(got) == _stored_lines(server, since=cursors)
