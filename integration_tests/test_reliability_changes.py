"""Changes during a sync: records created or updated through the emulator's write API while an
incremental sync runs are all delivered by the next incremental sync, including writes stamped on
the exact millisecond of the saved cursor.

The check is the strongest one a destination cares about: after the next sync, the newest version
delivered of every object equals the object's current `updatedTime` in the emulator (nothing
missing, nothing stale), for every synced stream, whatever the writes touched (an archived invoice
also changes its customer's balance, and so its customer).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from airbyte_cdk.models import AirbyteStateMessage

from bill_emulator import EmulatorServer, EmulatorSettings, Limits, running_emulator
from integration_tests.reliability.harness import (
    TIME_SCALE,
    Key,
    SyncRun,
    first_sync_catalog,
    latest_states,
    newest_versions,
    run_sync,
    scaled_time,
)
from source_bill.client.sessions import reset_shared_sessions

STREAMS = ["customers", "invoices", "vendors", "bills"]
ADDRESS = {
    "line1": "1 Main St",
    "city": "Austin",
    "stateOrProvince": "TX",
    "zipOrPostalCode": "78701",
    "country": "US",
}


def current_versions(server: EmulatorServer, streams: list[str]) -> dict[tuple[str, str], str | None]:
    org = server.emulator.credentials["ap_ar"]["organization_id"]
    return {
        (stream, row.id): row.body.get("updatedTime")
        for stream in streams
        for row in server.emulator.store.find(stream, org)
    }


def assert_destination_current(server: EmulatorServer, *runs: SyncRun) -> None:
    delivered = newest_versions(*runs)
    current = current_versions(server, STREAMS)
    missing = {key: updated for key, updated in current.items() if key not in delivered}
    stale = {
        key: (delivered[key], updated)
        for key, updated in current.items()
        if key in delivered and delivered[key] != updated
    }
    extra = set(delivered) - set(current)
    assert not missing and not stale and not extra, (
        f"missing {list(missing.items())[:5]}, stale (delivered, current) {list(stale.items())[:5]}, "
        f"unknown {sorted(extra)[:5]}"
    )


def cursor_of(states: list[AirbyteStateMessage], stream: str) -> str:
    """The saved `updatedTime` cursor of a stream (sequential state, or the first merged interval)."""
    state = next(s for s in reversed(states) if s.stream.stream_descriptor.name == stream)
    value = state.stream.stream_state.__dict__
    if "updatedTime" in value:
        return str(value["updatedTime"])
    first = value["slices"][0]
    return str(first.get("most_recent_cursor_value") or first["end"])


class Writer:
    """Writes through the emulator's HTTP API, as another BILL user would."""

    def __init__(self, server: EmulatorServer) -> None:
        self.base = server.base_url
        self.http = requests.Session()
        self.http.headers.update(server.login_headers())
        self.written: list[Key] = []

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for _ in range(50):
            response = self.http.request(method, f"{self.base}{path}", timeout=30, **kwargs)
            if response.status_code == 429:  # BDC_1322: the sync holds the request slots
                time.sleep(0.02)
                continue
            assert response.status_code < 300, (method, path, response.status_code, response.text)
            return response.json()
        raise AssertionError(f"{method} {path}: BILL stayed busy")

    def first(self, path: str, filters: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"max": 1}
        if filters:
            params["filters"] = filters
        return self.call("GET", path, params=params)["results"][0]

    def record(self, stream: str, body: dict[str, Any]) -> None:
        self.written.append((stream, body["id"], body.get("updatedTime")))

    def create_customer(self, name: str) -> dict[str, Any]:
        body = self.call("POST", "/v3/customers", json={"name": name, "billingAddress": ADDRESS})
        self.record("customers", body)
        return body

    def patch_customer(self, customer_id: str, description: str) -> dict[str, Any]:
        body = self.call("PATCH", f"/v3/customers/{customer_id}", json={"description": description})
        self.record("customers", body)
        return body

    def create_vendor(self, name: str) -> dict[str, Any]:
        body = self.call("POST", "/v3/vendors", json={"name": name, "accountType": "BUSINESS"})
        self.record("vendors", body)
        return body

    def rename_vendor(self, vendor_id: str, name: str) -> dict[str, Any]:
        body = self.call("PATCH", f"/v3/vendors/{vendor_id}", json={"name": name})
        self.record("vendors", body)
        return body

    def create_invoice(self, customer_id: str) -> dict[str, Any]:
        body = self.call(
            "POST",
            "/v3/invoices",
            json={"customer": {"id": customer_id}, "invoiceLineItems": [{"quantity": 1, "price": 125}]},
        )
        self.record("invoices", body)
        return body

    def archive(self, stream: str, path: str, object_id: str, archived: bool = True) -> dict[str, Any]:
        body = self.call("POST", f"{path}/{object_id}/{'archive' if archived else 'restore'}")
        self.record(stream, body)
        return body


def _write_while(writer: Writer, running: threading.Event, done: threading.Event) -> None:
    """Cycle through creates, updates and archives until the sync ends."""
    customers = [row["id"] for row in writer.call("GET", "/v3/customers", params={"max": 20})["results"]]
    vendors = [row["id"] for row in writer.call("GET", "/v3/vendors", params={"max": 20})["results"]]
    invoices = [
        row["id"]
        for row in writer.call(
            "GET", "/v3/invoices", params={"max": 20, "filters": "archived:eq:false,status:eq:OPEN"}
        )["results"]
    ]
    bills = [
        row["id"]
        for row in writer.call("GET", "/v3/bills", params={"max": 20, "filters": "archived:eq:false"})[
            "results"
        ]
    ]
    running.wait(30)
    for step in itertools.count():
        if done.is_set():
            return
        kind = step % 6
        if kind == 0:
            customers.append(writer.create_customer(f"During Sync {step}")["id"])
        elif kind == 1:
            writer.patch_customer(customers[step % len(customers)], f"changed at step {step}")
        elif kind == 2:
            vendors.append(writer.create_vendor(f"Vendor During Sync {step}")["id"])
        elif kind == 3:
            writer.rename_vendor(vendors[step % len(vendors)], f"Renamed {step}")
        elif kind == 4 and invoices:
            writer.archive("invoices", "/v3/invoices", invoices.pop())
        elif kind == 5 and bills:
            writer.archive("bills", "/v3/bills", bills.pop())
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    reset_shared_sessions(include_login_budgets=True)
    yield
    reset_shared_sessions(include_login_budgets=True)


def test_given_writes_while_a_sync_runs_when_syncing_again_from_its_state_then_every_change_arrives():
    settings = EmulatorSettings(scale="small", seed=17, limits=Limits(window_scale=TIME_SCALE))
    with running_emulator(settings) as server, scaled_time():
        config = {**server.config("ap_ar"), "page_size": 20, "lookback_window_seconds": 0}
        catalog = first_sync_catalog(config, STREAMS)
        writer = Writer(server)
        running, done = threading.Event(), threading.Event()
        thread = threading.Thread(target=_write_while, args=(writer, running, done), daemon=True)
        thread.start()
        running.set()
        first = run_sync(config, catalog)
        done.set()
        thread.join(60)
        during = list(writer.written)
        assert first.succeeded, first.failures
        assert len(during) >= 6, f"only {len(during)} writes landed during the sync"

        second = run_sync(config, catalog, latest_states([first]))
        assert second.succeeded, second.failures

        # Every object written during the first sync whose current version is newer than the cursor
        # the first sync saved is in the second (objects written twice: their last version).
        current = current_versions(server, STREAMS)
        delivered = second.key_set()
        missed = []
        for stream, record_id in {(stream, record_id) for stream, record_id, _ in during}:
            version = current[(stream, record_id)]
            newer = str(version).replace("+00:00", "Z") > cursor_of(first.states, stream)
            if newer and (stream, record_id, version) not in delivered:
                missed.append((stream, record_id, version))
        assert not missed, missed
        assert_destination_current(server, first, second)


def _set_clock(server: EmulatorServer, cursor: str) -> None:
    """Move the emulator's fake clock to the exact millisecond of `cursor`."""
    moment = datetime.fromisoformat(cursor.replace("Z", "+00:00")).astimezone(timezone.utc)
    server.emulator.advance_clock(moment.timestamp() - server.emulator.clock.now())


def test_given_writes_on_the_exact_cursor_millisecond_when_syncing_again_then_they_are_delivered():
    settings = EmulatorSettings(
        scale="small", seed=19, fake_clock=True, limits=Limits(window_scale=TIME_SCALE)
    )
    with running_emulator(settings) as server, scaled_time():
        config = {**server.config("ap_ar"), "lookback_window_seconds": 0}
        catalog = first_sync_catalog(config, STREAMS)
        first = run_sync(config, catalog)
        assert first.succeeded, first.failures
        writer = Writer(server)

        # Writes stamped on each stream's saved cursor, to the millisecond.
        boundary: list[Key] = []
        _set_clock(server, cursor_of(first.states, "customers"))
        customer = writer.create_customer("Boundary Customer")
        patched = writer.patch_customer(writer.first("/v3/customers")["id"], "on the boundary")
        boundary += [
            ("customers", customer["id"], customer["updatedTime"]),
            ("customers", patched["id"], patched["updatedTime"]),
        ]
        _set_clock(server, cursor_of(first.states, "vendors"))
        vendor = writer.rename_vendor(writer.first("/v3/vendors")["id"], "Boundary Vendor")
        boundary.append(("vendors", vendor["id"], vendor["updatedTime"]))
        _set_clock(server, cursor_of(first.states, "invoices"))
        invoice = writer.archive(
            "invoices", "/v3/invoices", writer.first("/v3/invoices", "archived:eq:false,status:eq:OPEN")["id"]
        )
        boundary.append(("invoices", invoice["id"], invoice["updatedTime"]))
        for stream, _, updated in boundary:
            assert updated.replace("+00:00", "Z") == cursor_of(first.states, stream), "not on the boundary"

        second = run_sync(config, catalog, latest_states([first]))
        assert second.succeeded, second.failures
        assert set(boundary) <= second.key_set(), set(boundary) - second.key_set()
        assert_destination_current(server, first, second)

        # One millisecond after the new cursor, then the third sync.
        server.emulator.advance_clock(0.001)
        _set_clock(server, cursor_of(second.states, "customers"))
        server.emulator.advance_clock(0.001)
        later = writer.patch_customer(customer["id"], "one millisecond later")
        third = run_sync(config, catalog, latest_states([first, second]))
        assert third.succeeded, third.failures
        assert ("customers", later["id"], later["updatedTime"]) in third.key_set()
        assert_destination_current(server, first, second, third)


def test_given_a_late_write_inside_the_lookback_window_when_syncing_again_then_it_is_delivered():
    """A write BILL stamps slightly before the saved cursor (clock skew, late commit) is caught by the
    lookback window (`lookback_window_seconds`, 300 by default)."""
    settings = EmulatorSettings(
        scale="tiny", seed=23, fake_clock=True, limits=Limits(window_scale=TIME_SCALE)
    )
    with running_emulator(settings) as server, scaled_time():
        config = {**server.config("ap_ar"), "lookback_window_seconds": 300}
        catalog = first_sync_catalog(config, ["customers"])
        first = run_sync(config, catalog)
        _set_clock(server, cursor_of(first.states, "customers"))
        server.emulator.advance_clock(-120)
        late = Writer(server).patch_customer(
            server.emulator.store.find("customers", server.config("ap_ar")["credentials"]["organization_id"])[
                0
            ].id,
            "stamped two minutes before the cursor",
        )
        second = run_sync(config, catalog, latest_states([first]))
        assert ("customers", late["id"], late["updatedTime"]) in second.key_set()
