"""BILL's 2026 ways in, against the emulator: OAuth client credentials and the Accountant Console token.

* OAuth: one read covers AP/AR and Spend & Expense. Access tokens live `TOKEN_SECONDS`, far less than
  a sync (small pages and some latency make each sync last several lifetimes), so both the full and
  the incremental sync renew the token while they run; each delivers exactly the emulator's objects,
  none twice, and the incremental one brings every object to its current version.
* Spend & Expense streams are keyed on `uuid`, and every S&E record carries a distinct one.
* A console-token config (`console_api_token` in place of the password) signs in and syncs like the
  password config of the same organization.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorServer, EmulatorSettings, Limits, running_emulator
from integration_tests.reliability.harness import (
    SyncRun,
    describe,
    first_sync_catalog,
    latest_states,
    newest_versions,
    run_sync,
    scaled_time,
    stored_versions,
    stream_names_of,
)
from source_bill import SourceBill
from source_bill.client.sessions import reset_shared_sessions

#: Lifetime of the emulator's access tokens (renewed by the connector after 90% of it).
TOKEN_SECONDS = 1
#: Small pages and a little latency: a full sync of the small seed lasts several token lifetimes.
PAGE_SIZE = 10
LATENCY_MS = 20
SPEND = "spend_"


def _token_requests(server: EmulatorServer) -> int:
    return int(server.counters()["per_route"].get("oauth.token", 0))


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    settings = EmulatorSettings(
        scale="small",
        seed=21,
        latency_ms=LATENCY_MS,
        oauth_token_seconds=TOKEN_SECONDS,
        # BILL's login limit stays on (token requests count as logins of the client id); the hourly and
        # per-minute budgets are the connector's own business, tested elsewhere.
        limits=Limits(requests_per_hour=None, spend_per_minute=None),
    )
    with running_emulator(settings) as emulator, scaled_time():
        yield emulator


def _sync(
    server: EmulatorServer, config: dict[str, Any], catalog: Any, state: Any = None
) -> tuple[SyncRun, int]:
    """One read as a new process, and the token requests it made."""
    reset_shared_sessions(include_login_budgets=True)
    before = _token_requests(server)
    run = run_sync(config, catalog, state)
    assert run.succeeded, describe([run])
    return run, _token_requests(server) - before


def _write_changes(server: EmulatorServer) -> list[tuple[str, str]]:
    """Change an AP/AR customer and vendor and a Spend & Expense card with the app's own token."""
    http = requests.Session()
    http.headers.update(server.bearer_headers())
    base = server.base_url
    changed = []
    for stream, path, body in (
        ("customers", "/v3/customers", {"description": "changed under OAuth"}),
        ("vendors", "/v3/vendors", {"name": "Vendor Renamed Under OAuth"}),
        ("spend_cards", "/v3/spend/cards", {"name": "Renamed under OAuth"}),
    ):
        first = http.get(f"{base}{path}", params={"max": 1}, timeout=30).json()["results"][0]
        answer = http.patch(f"{base}{path}/{first['id']}", json=body, timeout=30)
        assert answer.status_code < 300, (path, answer.status_code, answer.text)
        changed.append((stream, first["id"]))
    return changed


def test_given_short_lived_tokens_when_syncing_full_then_incremental_with_oauth_then_exactly_the_emulators_records(
    server: EmulatorServer,
) -> None:
    config = {**server.config("oauth"), "page_size": PAGE_SIZE, "lookback_window_seconds": 0}
    catalog = first_sync_catalog(config)
    streams = stream_names_of(catalog)
    assert {s for s in streams if s.startswith(SPEND)} and {s for s in streams if not s.startswith(SPEND)}

    full, full_tokens = _sync(server, config, catalog)
    expected = stored_versions(server, "oauth", streams)
    delivered = {(stream, record_id) for stream, record_id, _ in full.records}
    assert not full.duplicates(), f"twice within the full sync: {list(full.duplicates())[:5]}"
    assert delivered == set(expected), (
        f"missing {sorted(set(expected) - delivered)[:5]}, unknown {sorted(delivered - set(expected))[:5]}"
    )
    for stream in streams:
        assert any(key[0] == stream for key in expected), (
            f"the emulator has no {stream}: the test proves nothing"
        )
    assert full.seconds > 2 * TOKEN_SECONDS and full_tokens >= 3, (full.seconds, full_tokens)

    changed = _write_changes(server)
    incremental, incremental_tokens = _sync(server, config, catalog, latest_states([full]))
    current = stored_versions(server, "oauth", streams)
    assert not incremental.duplicates(), (
        f"twice within the incremental sync: {list(incremental.duplicates())[:5]}"
    )
    newest = newest_versions(full, incremental)
    # Versions compare where the records carry `updatedTime` (some Spend & Expense objects show none).
    timed = {stream for stream, _, updated in full.records if updated is not None}
    stale = {
        key: (newest.get(key), updated)
        for key, updated in current.items()
        if key not in newest or (key[0] in timed and newest[key] != updated)
    }
    assert not stale, f"stale or missing (delivered, current): {list(stale.items())[:5]}"
    assert set(newest) == set(current), f"unknown: {sorted(set(newest) - set(current))[:5]}"
    again = {(stream, record_id) for stream, record_id, _ in incremental.records}
    assert set(changed) <= again
    # Whether the short incremental needs a second token depends on when its last request goes out:
    # the renewals are shown by the full sync; here one token (or more) and exactly the changes.
    assert incremental_tokens >= 1, incremental_tokens


def test_given_oauth_and_spend_expense_configs_when_discovering_then_spend_expense_streams_keyed_on_uuid(
    server: EmulatorServer,
) -> None:
    for auth_type in ("oauth", "spend_expense"):
        config = server.config(auth_type)
        catalog = SourceBill(config=config).discover(logging.getLogger("airbyte"), config)
        keys = {stream.name: stream.source_defined_primary_key for stream in catalog.streams}
        spend = {name: key for name, key in keys.items() if name.startswith(SPEND)}
        assert len(spend) == 6, keys
        assert set(map(str, spend.values())) == {str([["uuid"]])}, spend
        assert all(key == [["id"]] for name, key in keys.items() if not name.startswith(SPEND)), keys


def test_given_spend_expense_records_when_syncing_then_each_carries_a_distinct_uuid(
    server: EmulatorServer,
) -> None:
    config = server.config("spend_expense")
    catalog = first_sync_catalog(config)
    reset_shared_sessions(include_login_budgets=True)
    run = run_sync(config, catalog)
    assert run.succeeded, describe([run])

    assert run.output is not None
    uuids: dict[str, list[str]] = {}
    for message in run.output.records:
        uuids.setdefault(message.record.stream, []).append(message.record.data.get("uuid"))
    assert set(uuids) == set(stream_names_of(catalog))
    for stream, values in uuids.items():
        assert all(isinstance(v, str) and v for v in values), stream
        assert len(set(values)) == len(values), f"{stream}: a uuid twice"


def test_given_console_token_config_when_syncing_then_signs_in_and_delivers_what_the_password_config_does(
    server: EmulatorServer,
) -> None:
    console = server.config("ap_ar", console=True)
    assert "password" not in console["credentials"] and console["credentials"]["console_api_token"]
    password = server.config("ap_ar")
    catalog = first_sync_catalog(password)
    assert stream_names_of(first_sync_catalog(console)) == stream_names_of(catalog)
    logins = server.counters()["logins"]

    by_console, _ = _sync(server, console, catalog)
    by_password, _ = _sync(server, password, catalog)

    expected = stored_versions(server, "ap_ar", stream_names_of(catalog))
    assert by_console.key_set() == by_password.key_set()
    assert {(stream, record_id) for stream, record_id, _ in by_console.records} == set(expected)
    assert not by_console.duplicates()
    assert server.counters()["logins"] - logins == 2  # one sign-in per sync, with each secret
