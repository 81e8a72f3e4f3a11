"""State: monotonic per stream, unchanged by a round trip through `--state`, and an abnormal state
(a cursor in the future, a malformed value, a stream the catalog does not read, a file in the wrong
shape) ends in a clear message or a safe fallback, never a crash.

The abnormal states run `source-bill read` as a process, as Airbyte does, and look at its exit code,
its TRACE and LOG messages and its stderr.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer, SyncMode

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from integration_tests.reliability.harness import (
    Key,
    cursor_value,
    first_sync_catalog,
    non_monotonic,
    run_sync,
    state_value,
)
from integration_tests.reliability.harness import latest_states as harness_latest
from integration_tests.reliability.processes import ProcessRun, latest_states, run_source

STREAMS = ["customers", "invoices", "vendors", "recurring_bills"]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with running_emulator(EmulatorSettings(scale="tiny", seed=29)) as running:
        yield running


@pytest.fixture(scope="module")
def config(server) -> dict[str, Any]:
    return {**server.config("ap_ar"), "page_size": 5, "lookback_window_seconds": 0}


def _stream_state(name: str, value: Any) -> dict[str, Any]:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": value}}


def _logs(run: ProcessRun, level: str) -> list[str]:
    return [
        m["log"]["message"] for m in run.messages if m.get("type") == "LOG" and m["log"]["level"] == level
    ]


def _assert_no_crash(run: ProcessRun) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    for error in run.errors:
        assert error.get("failure_type") in ("config_error", "transient_error"), error
        assert not error.get("stack_trace"), error


def test_given_a_full_sync_then_every_stream_state_only_moves_forward(config):
    catalog = first_sync_catalog(config)
    run = run_sync(config, catalog)
    assert run.succeeded, run.failures
    assert not non_monotonic(run.states)
    incremental = {c.stream.name for c in catalog.streams if c.sync_mode == SyncMode.incremental}
    assert incremental <= {state.stream.stream_descriptor.name for state in run.states}


def _assert_round_trip(
    saved: list[dict[str, Any]], again_states: list[Any], again_records: list[Key]
) -> None:
    before = {name: cursor_value(value) for name, value in map(state_value, saved)}
    newest: dict[str, Any] = {}
    for state in again_states:
        name, value = state_value(state)
        newest[name] = cursor_value(value)
    assert newest == before, "a sync that found nothing new moved or lost a cursor"
    # Nothing changed: only the records on each cursor's millisecond come back (inclusive bound).
    for stream, record_id, updated in again_records:
        assert str(updated).replace("+00:00", "Z") == before[stream], (stream, record_id, updated)
    assert max(Counter(stream for stream, _, _ in again_records).values(), default=0) <= 5


def test_given_the_states_of_a_sync_when_passed_back_with_state_then_same_cursors_and_only_boundary_records(
    config,
):
    """In process, through the CDK's entry point: the states are written to a file and read back
    with `--state`, as the platform does."""
    catalog = first_sync_catalog(config, STREAMS)
    first = run_sync(config, catalog)
    assert first.succeeded and not non_monotonic(first.states)
    saved = [json.loads(json.dumps(AirbyteStateMessageSerializer.dump(s))) for s in harness_latest([first])]
    second = run_sync(config, catalog, [AirbyteStateMessageSerializer.load(item) for item in saved])
    assert second.succeeded, second.failures
    assert not non_monotonic(second.states)
    _assert_round_trip(saved, second.states, second.records)


@pytest.mark.reliability
def test_given_the_states_of_a_source_bill_process_when_passed_back_with_state_then_same_cursors(config):
    catalog = first_sync_catalog(config, STREAMS)
    first = run_source("read", config, catalog=catalog)
    assert first.returncode == 0 and not first.errors
    assert not non_monotonic(first.states)
    saved = json.loads(json.dumps(latest_states([first])))
    second = run_source("read", config, catalog=catalog, state=saved)
    assert second.returncode == 0 and not second.errors, second.stderr[-2000:]
    assert not non_monotonic(second.states)
    _assert_round_trip(saved, second.states, second.records)


ABNORMAL = [
    # (id, state, expected: "skip" = the stream reads nothing, "all" = the stream is read again,
    #  "fail" = a config error naming the state file; the message to find in a LOG or TRACE)
    pytest.param(
        [_stream_state("customers", {"updatedTime": "2100-01-01T00:00:00.000Z"})],
        "skip",
        "is in the future",
        id="cursor in the future",
    ),
    pytest.param(
        [_stream_state("customers", {"updatedTime": "not-a-date"})],
        "all",
        "is not a date",
        id="cursor not a date",
    ),
    pytest.param(
        [_stream_state("customers", {"updatedTime": 12345})], "all", "is not a date", id="cursor a number"
    ),
    pytest.param(
        [_stream_state("customers", {"updatedTime": None})], "all", "is not a date", id="cursor null"
    ),
    pytest.param(
        [_stream_state("customers", {"state_type": "date-range", "slices": [{"start": "x"}]})],
        "all",
        "interval without start and end",
        id="interval without bounds",
    ),
    pytest.param(
        [
            _stream_state(
                "customers", {"state_type": "date-range", "slices": [{"start": "2020-01-01", "end": "soon"}]}
            )
        ],
        "all",
        "unreadable end",
        id="interval with an unreadable end",
    ),
    pytest.param(
        [_stream_state("customers", {"updatedTime": "2001-01-01"})], "all", None, id="cursor a bare date"
    ),
    pytest.param(
        [_stream_state("customers", {"updatedTime": "2001-01-01T02:00:00+02:00"})],
        "all",
        None,
        id="cursor in another zone",
    ),
    pytest.param(
        [_stream_state("not_a_stream", {"updatedTime": "2020-01-01T00:00:00.000Z"})],
        "all",
        "does not read",
        id="stream unknown to the catalog",
    ),
    pytest.param(
        {"customers": {"updatedTime": "2020-01-01"}}, "fail", "state file", id="legacy object state"
    ),
    pytest.param("not a list", "fail", "state file", id="state file not a list"),
    pytest.param(
        [_stream_state("customers", "garbage")], "fail", "state file", id="stream state not an object"
    ),
    pytest.param(
        [
            {
                "type": "GLOBAL",
                "global": {
                    "shared_state": {},
                    "stream_states": [{"stream_descriptor": {"name": "customers"}, "stream_state": {}}],
                },
            }
        ],
        "fail",
        "one state per stream",
        id="global state",
    ),
]
UNMARKED = {"cursor in the future", "cursor not a date", "stream unknown to the catalog"}
#: The shapes `source-bill` rejects before the CDK sees them (run.py) need a process.
IN_A_PROCESS_BY_DEFAULT = {"legacy object state"}


def _params(process: bool) -> list[Any]:
    params = []
    for p in ABNORMAL:
        expected = p.values[1]
        if not process and expected == "fail":
            continue  # the file is rejected by `source-bill` itself: only a process shows that
        default = p.id in (IN_A_PROCESS_BY_DEFAULT if process else UNMARKED)
        params.append(pytest.param(*p.values, id=p.id, marks=[] if default else [pytest.mark.reliability]))
    return params


@pytest.fixture(scope="module")
def everything(config) -> set[tuple[str, str]]:
    run = run_sync(config, first_sync_catalog(config, ["customers", "vendors"]))
    assert run.succeeded
    return {(stream, record_id) for stream, record_id, _ in run.records}


def _assert_outcome(records: list[Key], everything: set[tuple[str, str]], expected: str) -> None:
    delivered = {(stream, record_id) for stream, record_id, _ in records}
    vendors = {key for key in everything if key[0] == "vendors"}
    customers = {key for key in everything if key[0] == "customers"}
    assert vendors <= delivered, "the other stream must not suffer"
    if expected == "skip":
        assert not delivered & customers
    else:
        assert customers <= delivered


@pytest.mark.parametrize(("state", "expected", "message"), _params(process=False))
def test_given_an_abnormal_state_when_reading_then_safe_fallback_and_a_clear_message(
    config, everything, state, expected, message
):
    catalog = first_sync_catalog(config, ["customers", "vendors"])
    run = run_sync(config, catalog, [AirbyteStateMessageSerializer.load(item) for item in state])
    assert run.succeeded, run.failures
    _assert_outcome(run.records, everything, expected)
    if message:
        warnings = [m.log.message for m in run.output.logs if m.log.level.value == "WARN"]
        assert any(message in warning for warning in warnings), warnings


@pytest.mark.parametrize(("state", "expected", "message"), _params(process=True))
def test_given_an_abnormal_state_file_when_source_bill_reads_then_clear_message_or_safe_fallback_never_a_crash(
    config, everything, state, expected, message
):
    catalog = first_sync_catalog(config, ["customers", "vendors"])
    run = run_source("read", config, catalog=catalog, raw_state=state)
    _assert_no_crash(run)
    if expected == "fail":
        assert run.returncode != 0, "a state the connector cannot use must fail the run"
        assert [e["failure_type"] for e in run.errors] == ["config_error"], run.errors
        assert message in run.errors[0]["message"], run.errors
        assert not run.records
        return
    assert run.returncode == 0 and not run.errors, run.errors
    _assert_outcome(run.records, everything, expected)
    if message:
        assert any(message in log for log in _logs(run, "WARN")), _logs(run, "WARN")
