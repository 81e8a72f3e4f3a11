"""Interruption and resume: `source-bill read` killed with SIGKILL at random points (mid-page,
mid-stream, between streams) and resumed from the newest state message it emitted delivers, together
with what it delivered before the kill, exactly the records of an uninterrupted sync.

The points are drawn (seeded, so reproducible) from the message sequence of an uninterrupted run:
after the n-th record (mid-page: the kill lands while later records of the page are still in the
pipe), after the k-th state message of a stream with several windows (mid-stream), right after a
stream's COMPLETE status (between streams). Two points run by default, all ten with `-m reliability`.

Re-reading: at most one page of every incremental stream comes again. A stream that had completed
before the kill is read again from its saved cursor (the records on that boundary millisecond); a
stream killed in the middle of its windows from the stretches its state saved inside them
(`source_bill/checkpoints.py`), so only the records after its last state message come again.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode

from bill_emulator import EmulatorSettings, running_emulator
from integration_tests.reliability.harness import Key, first_sync_catalog, reference_sync
from integration_tests.reliability.processes import Message, Progress, latest_states, run_source

# Pages of 20: the records a stream must show in order before state is saved inside its windows
# (`source_bill.windows.EVIDENCE_TO_TRUST`); with smaller pages the bound is those 20 records.
PAGE_SIZE = 20
SEED = 20261122


@dataclass(frozen=True)
class KillPoint:
    kind: str  # mid-page | mid-stream | between-streams
    stream: str | None
    number: int

    @property
    def label(self) -> str:
        if self.kind == "mid-page":
            return f"mid-page: after record {self.number}"
        if self.kind == "mid-stream":
            return f"mid-stream: after record {self.number} of {self.stream}"
        return f"between streams: after {self.stream} completed"

    def predicate(self) -> Callable[[Message, Progress], bool]:
        if self.kind == "mid-page":
            return lambda message, progress: progress.records >= self.number
        if self.kind == "mid-stream":
            return lambda message, progress: (
                progress.records_per_stream.get(str(self.stream), 0) >= self.number
            )
        return lambda message, progress: self.stream in progress.complete_streams


@dataclass
class Scenario:
    config: dict[str, Any]
    catalog: Any
    reference: set[Key]
    incremental: set[str]
    points: list[KillPoint]


def _draw_points(messages: list[Message], count: int = 10) -> list[KillPoint]:
    """Ten points over an uninterrupted run: 4 mid-page, 3 mid-stream, 3 between streams."""
    rng = random.Random(SEED)
    per_stream = Counter(m["record"]["stream"] for m in messages if m.get("type") == "RECORD")
    completed = [
        m["trace"]["stream_status"]["stream_descriptor"]["name"]
        for m in messages
        if m.get("type") == "TRACE"
        and m["trace"].get("type") == "STREAM_STATUS"
        and m["trace"]["stream_status"]["status"] == "COMPLETE"
    ]
    long_streams = sorted(name for name, number in per_stream.items() if number > 3 * PAGE_SIZE)
    points = [
        KillPoint("mid-page", None, n) for n in sorted(rng.sample(range(1, sum(per_stream.values())), 4))
    ]
    for stream in rng.sample(long_streams, 3):
        points.append(KillPoint("mid-stream", stream, rng.randint(PAGE_SIZE + 1, per_stream[stream] - 1)))
    # Not the last streams to complete: the kill would land after the sync's end.
    points += [KillPoint("between-streams", stream, 0) for stream in rng.sample(completed[:-3], 3)]
    return points[:count]


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    with running_emulator(EmulatorSettings(scale="small", seed=13)) as server:
        config = {**server.config("ap_ar"), "page_size": PAGE_SIZE, "lookback_window_seconds": 0}
        catalog = first_sync_catalog(config)
        reference = reference_sync(server, "ap_ar", config, catalog)
        uninterrupted = run_source("read", config, catalog=catalog)
        assert uninterrupted.returncode == 0 and not uninterrupted.errors, uninterrupted.stderr[-2000:]
        assert set(uninterrupted.records) == reference
        incremental = {c.stream.name for c in catalog.streams if c.sync_mode == SyncMode.incremental}
        yield Scenario(config, catalog, reference, incremental, _draw_points(uninterrupted.messages))


@dataclass
class Outcome:
    point: KillPoint
    reread: Counter[str]
    in_progress: set[str]


def _interrupt_and_resume(scenario: Scenario, point: KillPoint) -> Outcome:
    killed = run_source("read", scenario.config, catalog=scenario.catalog, kill_when=point.predicate())
    assert killed.killed, f"{point.label}: the sync ended before the kill point"
    assert killed.returncode == -9
    state = latest_states([killed])
    resumed = run_source("read", scenario.config, catalog=scenario.catalog, state=state)
    assert resumed.returncode == 0 and not resumed.errors, (
        f"{point.label}: the resumed sync failed: {[e.get('message') for e in resumed.errors]}\n"
        f"internal: {[e.get('internal_message') for e in resumed.errors]}\nstate: {state}\n{resumed.stderr[-3000:]}"
    )

    # No gap and nothing invented: before + after the kill is exactly the uninterrupted sync.
    delivered = set(killed.records) | set(resumed.records)
    missing, extra = scenario.reference - delivered, delivered - scenario.reference
    assert not missing and not extra, (
        f"{point.label}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
    )
    for run in (killed, resumed):
        twice = [key for key, n in Counter((s, i) for s, i, _ in run.records).items() if n > 1]
        assert not twice, f"{point.label}: delivered twice in one run: {twice[:5]}"

    before = {(stream, record_id) for stream, record_id, _ in killed.records}
    reread = Counter(
        stream
        for stream, record_id, _ in resumed.records
        if (stream, record_id) in before and stream in scenario.incremental
    )
    completed_before_kill = set()
    for message in killed.messages:
        if message.get("type") == "TRACE" and message["trace"].get("type") == "STREAM_STATUS":
            status = message["trace"]["stream_status"]
            if status["status"] == "COMPLETE":
                completed_before_kill.add(status["stream_descriptor"]["name"])
    started = {stream for stream, _ in before}
    in_progress = (started - completed_before_kill) & scenario.incremental
    print(
        f"\n[{point.label}] re-read after resume: {dict(reread)}; in progress at the kill: {sorted(in_progress)}"
    )
    # Completed or interrupted, an incremental stream reads at most one page again.
    over = {stream: count for stream, count in reread.items() if count > PAGE_SIZE}
    assert not over, f"{point.label}: more than one page of {PAGE_SIZE} read again: {over}"
    return Outcome(point, reread, in_progress)


def _points(scenario: Scenario, default: bool) -> list[KillPoint]:
    # The default run takes one mid-page point and one between-streams point.
    return [scenario.points[0], scenario.points[-1]] if default else scenario.points


def test_given_sigkill_at_two_points_when_resuming_from_last_state_then_no_gap_and_at_most_one_page_again(
    scenario,
):
    for point in _points(scenario, default=True):
        _interrupt_and_resume(scenario, point)


@pytest.mark.reliability
def test_given_sigkill_at_ten_random_points_when_resuming_then_no_gap_and_at_most_one_page_per_stream_again(
    scenario,
):
    assert len(scenario.points) == 10
    kinds = Counter(point.kind for point in scenario.points)
    assert kinds == {"mid-page": 4, "mid-stream": 3, "between-streams": 3}
    outcomes = [_interrupt_and_resume(scenario, point) for point in scenario.points]
    # Some points land in the middle of windows, where the state saved inside them is what counts.
    assert any(outcome.in_progress for outcome in outcomes)
