"""Deviation matrix: a BILL that answers lists otherwise than its documents say loses nothing.

Each row starts an emulator with one deviation knob on (`bill_emulator.Deviations`; all together in
the last row): a list that ignores `sort`, sorts to the second, caps `max`, applies `updatedTime`
bounds to the second, carries `nextPage` on an endless empty last page, or has rows updated while
it is walked. On it, for every stream of every auth type, a full sync delivers every object of the
emulator's store exactly once, the incremental sync after it brings the destination to the store's
current version of every object (nothing missing, nothing stale, nothing twice within a sync), and
the connector's warning names the deviation it met.

Small pages (`PAGE_SIZES`) make every list several pages long, so that windows are cut and stopped
early. Unmarked: the all-together row for AP/AR; the rest is `make test-reliability`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from bill_emulator import Deviations, EmulatorServer, EmulatorSettings, Limits, running_emulator
from integration_tests.reliability.harness import (
    AUTH_TYPES,
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
from source_bill.client.sessions import reset_shared_sessions

PAGE_SIZES = {"ap_ar": 10, "partner": 2, "spend_expense": 10}


@dataclass(frozen=True)
class Row:
    name: str
    deviations: Deviations
    #: Auth type -> words of the connector's warning that names the deviation there ("" when there is
    #: nothing to notice). An auth type not listed reads no list the knob changes (the connector sorts
    #: no Spend & Expense list; the partner seed's few organizations and users leave knobs idle), and
    #: its row checks only that nothing is lost.
    warnings: dict[str, str]


_BOTH = ("ap_ar", "spend_expense")

ROWS = [
    Row(
        "sort ignored (rows in id order)", Deviations(ignore_sort=True), {"ap_ar": "out of updatedTime order"}
    ),
    Row("sort applied to the second", Deviations(sort_seconds=True), {"ap_ar": ""}),
    Row(
        "max capped at 7 rows", Deviations(max_cap=7), dict.fromkeys(_BOTH, "on a page that is not the last")
    ),
    Row("updatedTime bounds applied to the second", Deviations(filter_seconds=True), {"ap_ar": ""}),
    Row(
        "nextPage on an endless empty last page",
        Deviations(trailing_next_page=True),
        dict.fromkeys(_BOTH, "empty page"),
    ),
    Row("rows updated during the walk", Deviations(update_during_walk=2), dict.fromkeys(_BOTH, "")),
    Row(
        "all together",
        Deviations(
            ignore_sort=True,
            sort_seconds=True,
            max_cap=7,
            filter_seconds=True,
            trailing_next_page=True,
            update_during_walk=2,
        ),
        {"ap_ar": "out of updatedTime order", "spend_expense": "on a page that is not the last"},
    ),
]


def _cases() -> Iterator[object]:
    for row in ROWS:
        for auth_type in AUTH_TYPES:
            marks = [] if (row.name == "all together" and auth_type == "ap_ar") else [pytest.mark.reliability]
            yield pytest.param(row, auth_type, id=f"{row.name} | {auth_type}", marks=marks)


def _warnings(*runs: SyncRun) -> str:
    return "\n".join(
        log.log.message
        for run in runs
        if run.output is not None
        for log in run.output.logs
        if log.log.level.name == "WARN"
    )


def _sync(server: EmulatorServer, auth_type: str) -> tuple[SyncRun, SyncRun, list[str]]:
    # No lookback: a sync must not rely on re-reading the last minutes to catch rows changed under it.
    config = {**server.config(auth_type), "page_size": PAGE_SIZES[auth_type], "lookback_window_seconds": 0}
    catalog = first_sync_catalog(config)
    reset_shared_sessions(include_login_budgets=True)
    full = run_sync(config, catalog)
    assert full.succeeded, describe([full])
    deviations = server.emulator.settings.deviations
    # Rows keep changing while knob `update_during_walk` is on: the next sync catches up once they stop.
    deviations.update_during_walk = 0
    reset_shared_sessions(include_login_budgets=True)
    incremental = run_sync(config, catalog, latest_states([full]))
    assert incremental.succeeded, describe([incremental])
    return full, incremental, stream_names_of(catalog)


@pytest.mark.parametrize(("row", "auth_type"), list(_cases()))
def test_given_a_bill_that_deviates_when_syncing_then_nothing_is_lost_or_twice_and_the_warning_names_it(
    row: Row, auth_type: str
) -> None:
    settings = EmulatorSettings(
        scale="small",
        seed=13,
        deviations=replace(row.deviations),
        limits=Limits(requests_per_hour=None, logins_per_hour=None, spend_per_minute=None),
    )
    # Scaled waits: the connector's own Spend & Expense call budget (55 a minute) is not what is tested.
    with running_emulator(settings) as server, scaled_time():
        full, incremental, streams = _sync(server, auth_type)
        current = stored_versions(server, auth_type, streams)
        fired = server.counters().get("deviations", {})

    assert not full.duplicates(), f"twice within the full sync: {list(full.duplicates())[:5]}"
    assert not incremental.duplicates(), (
        f"twice within the incremental sync: {list(incremental.duplicates())[:5]}"
    )
    if not row.deviations.update_during_walk:  # else rows updated mid-walk come with the next sync
        delivered_by_full = {(stream, record_id) for stream, record_id, _ in full.records}
        missing = set(current) - delivered_by_full
        assert not missing, f"the full sync missed {sorted(missing)[:5]} ({len(missing)} in all)"
    newest = newest_versions(full, incremental)
    # Versions compare where the records carry `updatedTime` (some Spend & Expense objects show none).
    timed = {stream for stream, _, updated in full.records if updated is not None}
    stale = {
        key: (newest.get(key), updated)
        for key, updated in current.items()
        if key not in newest or (key[0] in timed and newest[key] != updated)
    }
    extra = set(newest) - set(current)
    assert not stale and not extra, (
        f"stale (delivered, current): {list(stale.items())[:5]}; unknown: {sorted(extra)[:5]}"
    )
    for stream in streams:
        assert any(key[0] == stream for key in current), (
            f"the emulator has no {stream}: the row proves nothing"
        )
    if auth_type in row.warnings:
        assert any(fired.values()), f"the deviation never changed an answer: {fired}"
        assert row.warnings[auth_type] in _warnings(full, incremental), _warnings(full, incremental)[:2000]
