"""Ground truth, in-process syncs, the resume loop and scaled time for the reliability suite.

A sync is judged by the set of `(stream, id, updatedTime)` it delivers. The emulator's own store is
the ground truth (a fault-free sync delivers exactly that set: `test_reliability_faults.py` checks
it), so a sync under faults must deliver the same set: nothing missing, nothing extra, no record
twice within one run.

A run that fails is resumed the way Airbyte resumes a failed attempt: a new connector process (the
shared sessions and login budget are forgotten) that gets the newest state message of every stream
emitted so far. Every failed attempt must have failed with a transient error that names its cause.

Time is scaled (`scaled_time`): every wait of the connector (backoff, the hourly-limit wait, the
Spend & Expense call budget) is multiplied by the same factor as the emulator's limit windows
(`Limits(window_scale=...)`), so an hour of BILL's limits passes in seconds and the retry budget of
the connector is still the real one.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from airbyte_cdk.models import (
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    FailureType,
    SyncMode,
)
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from bill_emulator import EmulatorServer
from source_bill import source as source_module
from source_bill.checkpoints import stretches_read
from source_bill.client.sessions import reset_shared_sessions
from source_bill.client.timestamps import format_cursor
from source_bill.source import SourceBill

Key = tuple[str, str, str | None]
"""One delivered record: (stream, id, updatedTime or None for objects without one)."""

AUTH_TYPES = ("ap_ar", "partner", "spend_expense")
#: Line-item stream -> (the store's kind of its documents, their field of lines, the parent-id key).
LINE_ITEMS = {
    "invoice_line_items": ("invoices", "invoiceLineItems", "invoiceId"),
    "bill_line_items": ("bills", "billLineItems", "billId"),
    "credit_memo_line_items": ("credit_memos", "creditMemoLineItems", "creditMemoId"),
    "vendor_credit_line_items": ("vendor_credits", "vendorCreditLineItems", "vendorCreditId"),
}
#: The factor every wait is multiplied by in scaled runs (an hour of limits passes in 7.2 s).
TIME_SCALE = 0.002

_LOGGER = logging.getLogger("airbyte")


# -- ground truth -------------------------------------------------------------------------------


def stored_ids(server: EmulatorServer, auth_type: str, streams: Sequence[str]) -> set[tuple[str, str]]:
    """(stream, id) of every object a complete sync of `streams` must deliver, from the emulator's store."""
    return set(stored_versions(server, auth_type, streams))


def stored_versions(
    server: EmulatorServer, auth_type: str, streams: Sequence[str], organization_id: str | None = None
) -> dict[tuple[str, str], str | None]:
    """(stream, id) -> current `updatedTime` (None where the object has none) of every object a
    complete sync of `streams` must deliver, from the emulator's store.

    `ap_ar`: the ready-made config's organization, or `organization_id`. `oauth`: the developer app's
    organization for AP/AR streams and its spend company for Spend & Expense streams (`spend_*`).
    """
    from bill_emulator.backends.oauth import CLIENT, CLIENT_SPEND

    store = server.emulator.store
    creds = server.emulator.credentials
    found: dict[tuple[str, str], str | None] = {}

    def add(stream: str, rows: Any) -> None:
        for row in rows:
            found[(stream, row.id)] = row.body.get("updatedTime")

    def add_ap_ar(stream: str, org: str) -> None:
        if stream == "organization":
            add(stream, [row for row in store.find("organizations", None) if row.id == org] or [])
            found.setdefault((stream, org), None)
        elif stream in LINE_ITEMS:  # a line's version is its document's
            kind, field, _ = LINE_ITEMS[stream]
            for row in store.find(kind, org):
                for line in row.body.get(field) or []:
                    found[(stream, str(line["id"]))] = row.body.get("updatedTime")
        else:
            add(stream, store.find(stream, org))

    if auth_type == "ap_ar":
        for stream in streams:
            add_ap_ar(stream, organization_id or creds["ap_ar"]["organization_id"])
    elif auth_type == "oauth":
        client_id = creds["oauth"]["client_id"]
        org = store.credentials(CLIENT, client_id)[0][2]
        company = store.credentials(CLIENT_SPEND, client_id)[0][2]
        for stream in streams:
            if stream.startswith("spend_"):
                add(stream, store.find(stream, company))
            else:
                add_ap_ar(stream, org)
    elif auth_type == "partner":
        orgs = list(store.find("organizations", creds["partner"]["partner_id"]))
        kinds = {"partner_users": "users", "partner_roles": "roles"}
        for stream in streams:
            if stream == "organizations":
                add(stream, orgs)
            else:
                for org in orgs:
                    add(stream, store.find(kinds[stream], org.id))
    else:
        company = store.credentials("api_token", creds["spend_expense"]["api_token"])[0][2]
        for stream in streams:
            add(stream, store.find(stream, company))
    return found


@contextmanager
def faults_off(server: EmulatorServer) -> Iterator[None]:
    """No injected faults and no limit but concurrency, for the reference sync."""
    from bill_emulator import Faults, Limits

    injector, limiter = server.emulator.faults, server.emulator.limiter
    faults, limits = injector.faults, limiter.limits
    injector.faults = Faults()
    limiter.limits = Limits(window_scale=limits.window_scale, limit_status=limits.limit_status)
    try:
        yield
    finally:
        injector.faults, limiter.limits = faults, limits
        limiter.reset()


def reference_sync(
    server: EmulatorServer, auth_type: str, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog
) -> set[Key]:
    """The (stream, id, updatedTime) set of a fault-free sync, checked against the emulator's store."""
    reset_shared_sessions(include_login_budgets=True)
    with faults_off(server):
        run = run_sync(config, catalog)
    assert run.succeeded, describe([run])
    assert not run.duplicates(), run.duplicates()
    expected = stored_ids(server, auth_type, stream_names_of(catalog))
    delivered = {(stream, record_id) for stream, record_id, _ in run.records}
    assert delivered == expected, (
        f"the fault-free sync differs from the emulator's store: missing {sorted(expected - delivered)[:5]}, "
        f"extra {sorted(delivered - expected)[:5]}"
    )
    for stream in stream_names_of(catalog):
        assert any(key[0] == stream for key in expected), (
            f"the emulator has no {stream}: the row proves nothing"
        )
    return run.key_set()


# -- catalogs -----------------------------------------------------------------------------------


def discovered(config: Mapping[str, Any]) -> dict[str, bool]:
    """Stream name -> whether it supports incremental sync (discover, without `--debug`)."""
    catalog = SourceBill(config=config).discover(_LOGGER, config)
    return {
        stream.name: SyncMode.incremental in (stream.supported_sync_modes or []) for stream in catalog.streams
    }


def first_sync_catalog(
    config: Mapping[str, Any], streams: Sequence[str] | None = None
) -> ConfiguredAirbyteCatalog:
    """Every stream (or `streams`): incremental where the stream supports it, else full refresh."""
    builder = CatalogBuilder()
    for name, incremental in discovered(config).items():
        if streams is None or name in streams:
            builder.with_stream(name, SyncMode.incremental if incremental else SyncMode.full_refresh)
    return builder.build()


def stream_names_of(catalog: ConfiguredAirbyteCatalog) -> list[str]:
    return [configured.stream.name for configured in catalog.streams]


# -- one run ------------------------------------------------------------------------------------


@dataclass
class Failure:
    message: str
    internal: str
    failure_type: FailureType | None
    stream: str | None


@dataclass
class SyncRun:
    """What one `read` delivered."""

    records: list[Key]
    states: list[AirbyteStateMessage]
    failures: list[Failure]
    seconds: float
    output: EntrypointOutput | None = field(default=None, repr=False)

    @property
    def succeeded(self) -> bool:
        return not self.failures

    @property
    def stream_failures(self) -> list[Failure]:
        """The failures of streams, without the CDK's closing summary of them.

        When a stream fails, the CDK ends the read with one more error that lists the failed streams;
        it is always a config_error "because this combined error isn't actionable, but rather the
        previously emitted individual errors" (concurrent_read_processor.py).
        """
        return [f for f in self.failures if f.internal != "Concurrent read failure"]

    def key_set(self) -> set[Key]:
        return set(self.records)

    def duplicates(self) -> dict[tuple[str, str], int]:
        counts = Counter((stream, record_id) for stream, record_id, _ in self.records)
        return {key: count for key, count in counts.items() if count > 1}

    def per_stream(self) -> Counter[str]:
        return Counter(stream for stream, _, _ in self.records)


def _key(data: Mapping[str, Any], stream: str) -> Key:
    updated = data.get("updatedTime")
    return (stream, str(data["id"]), None if updated is None else str(updated))


def newest_versions(*runs: SyncRun) -> dict[tuple[str, str], str | None]:
    """The newest `updatedTime` delivered per (stream, id) over `runs`: what a deduplicating
    destination ends up with (None for objects without one)."""
    newest: dict[tuple[str, str], str | None] = {}
    for run in runs:
        for stream, record_id, updated in run.records:
            current = newest.get((stream, record_id))
            if (stream, record_id) not in newest or (
                updated is not None and (current is None or updated > current)
            ):
                newest[(stream, record_id)] = updated
    return newest


def run_from_output(output: EntrypointOutput, seconds: float = 0.0) -> SyncRun:
    records = [_key(message.record.data, message.record.stream) for message in output.records]
    states = [message.state for message in output.state_messages]
    failures = []
    for message in output.errors:
        error = message.trace.error
        stream = error.stream_descriptor.name if error.stream_descriptor else None
        failures.append(
            Failure(error.message or "", error.internal_message or "", error.failure_type, stream)
        )
    return SyncRun(records, states, failures, seconds, output)


@contextmanager
def _info_logging() -> Iterator[None]:
    """The CDK's `discover --debug` (integration_tests/sync.py) leaves the airbyte logger at DEBUG,
    which logs every request and response body; these runs log at INFO like a production sync.

    PyAirbyte (a package named `airbyte`, used by test_pyairbyte.py) turns off propagation of the
    `airbyte` logger, which the CDK's connector loggers are children of; the entrypoint wrapper
    captures logs at the root logger, so propagation is turned back on for the run.
    """
    level, propagate = _LOGGER.level, _LOGGER.propagate
    _LOGGER.setLevel(logging.INFO)
    _LOGGER.propagate = True
    try:
        yield
    finally:
        _LOGGER.setLevel(level)
        _LOGGER.propagate = propagate


def run_sync(
    config: Mapping[str, Any],
    catalog: ConfiguredAirbyteCatalog,
    state: list[AirbyteStateMessage] | None = None,
) -> SyncRun:
    """One in-process `read` (config, catalog and state go through files, as with the CLI)."""
    started = time.monotonic()
    with _info_logging():
        output = read(
            SourceBill(config=config, catalog=catalog, state=state),
            dict(config),
            catalog,
            state=state,
            expected_outcome=ExpectedOutcome.ALLOW_ANY,
        )
    return run_from_output(output, time.monotonic() - started)


def latest_states(runs: Sequence[SyncRun]) -> list[AirbyteStateMessage]:
    """The newest state message of every stream, over all runs so far (what Airbyte would pass)."""
    newest: dict[str, AirbyteStateMessage] = {}
    for run in runs:
        for state in run.states:
            newest[state.stream.stream_descriptor.name] = state
    return list(newest.values())


def sync_until_complete(
    config: Mapping[str, Any],
    catalog: ConfiguredAirbyteCatalog,
    *,
    attempts: int = 5,
    state: list[AirbyteStateMessage] | None = None,
) -> list[SyncRun]:
    """Run, and resume from the newest states after each failed attempt, until one succeeds."""
    runs: list[SyncRun] = []
    for _ in range(attempts):
        reset_shared_sessions(include_login_budgets=True)  # each attempt is a new process
        resume = latest_states(runs) or state
        runs.append(run_sync(config, catalog, resume))
        if runs[-1].succeeded:
            break
    return runs


# -- state --------------------------------------------------------------------------------------


def cursor_value(stream_state: Mapping[str, Any]) -> str | None:
    """Where the next sync of a stream resumes: the `updatedTime` of a single-cursor state, or the
    end of the first stretch read of a date-range state (`source_bill.checkpoints.stretches_read`)."""
    if "updatedTime" in stream_state:
        return str(stream_state["updatedTime"])
    stretches = stretches_read(stream_state)
    return format_cursor(stretches[0][1] + timedelta(milliseconds=1)) if stretches else None


def state_value(state: AirbyteStateMessage | Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """(stream name, stream state) of a state message, as an object or as parsed JSON."""
    if isinstance(state, Mapping):
        stream = state["stream"]
        return stream["stream_descriptor"]["name"], stream.get("stream_state") or {}
    blob = state.stream.stream_state
    return state.stream.stream_descriptor.name, dict(blob.__dict__) if blob is not None else {}


def non_monotonic(states: Sequence[AirbyteStateMessage | Mapping[str, Any]]) -> list[str]:
    """Streams whose state gave up a stretch of `updatedTime` that an earlier state had saved as read."""
    saved: dict[str, list[tuple[datetime, datetime]]] = {}
    backwards = []
    for state in states:
        name, value = state_value(state)
        stretches = stretches_read(value)
        lost = [
            (lo, hi)
            for lo, hi in saved.get(name, [])
            if not any(new_lo <= lo and hi <= new_hi for new_lo, new_hi in stretches)
        ]
        if lost:
            backwards.append(
                f"{name}: {format_cursor(lost[0][0])}..{format_cursor(lost[0][1])} no longer saved"
            )
        saved[name] = stretches
    return backwards


# -- verdicts -----------------------------------------------------------------------------------

#: What a transient failure message must name: a BILL error, a limit, a dropped or slow connection,
#: an unreadable answer. A bare "Exhausted available request attempts" without a cause fails.
CAUSE = re.compile(
    r"BDC_\d{4}|HTTP \d{3}|unreadable|Could not (reach|read from)|request timeout|hourly request limit|"
    r"too many were in flight|rate-limiting",
    re.IGNORECASE,
)


def describe(runs: Sequence[SyncRun]) -> str:
    lines = []
    for number, run in enumerate(runs, 1):
        lines.append(
            f"attempt {number}: {len(run.records)} records, {len(run.states)} states, {run.seconds:.1f}s, "
            f"{'ok' if run.succeeded else 'FAILED'}"
        )
        lines += [f"    {f.failure_type}: {f.stream}: {f.message[:300]}" for f in run.failures]
    return "\n".join(lines)


def assert_complete(runs: Sequence[SyncRun], truth: set[Key]) -> None:
    """The attempts delivered exactly `truth`: the last succeeded, every earlier one failed
    transiently with a named cause, and no run delivered a record twice."""
    report = describe(runs)
    assert runs and runs[-1].succeeded, f"no attempt succeeded:\n{report}"
    for run in runs[:-1]:
        assert run.stream_failures, f"a failed attempt without a stream error:\n{report}"
        for failure in run.stream_failures:
            assert failure.failure_type == FailureType.transient_error, f"not transient: {failure}\n{report}"
            assert CAUSE.search(failure.message) or CAUSE.search(failure.internal), (
                f"the failure does not name its cause: {failure}\n{report}"
            )
    for number, run in enumerate(runs, 1):
        assert not run.duplicates(), f"attempt {number} delivered records twice: {run.duplicates()}"
        assert not non_monotonic(run.states), (
            f"attempt {number}: state went backwards: {non_monotonic(run.states)}"
        )
    delivered = set().union(*(run.key_set() for run in runs))
    missing, extra = truth - delivered, delivered - truth
    assert not missing and not extra, (
        f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), {len(extra)} unexpected "
        f"(e.g. {sorted(extra)[:3]}):\n{report}"
    )


# -- scaled time --------------------------------------------------------------------------------


class ScaledClock:
    """Stands in for the `time` module of the code that waits: sleeps `scale` times as long."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.requested = 0.0

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.requested += seconds
            time.sleep(seconds * self.scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _scaled_duration(text: str, scale: float) -> str:
    from isodate import parse_duration

    seconds = parse_duration(text).total_seconds() * scale
    return f"PT{seconds:.3f}S"


def _scale_intervals(node: Any, scale: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "interval" and isinstance(value, str) and value.startswith("P"):
                node[key] = _scaled_duration(value, scale)
            else:
                _scale_intervals(value, scale)
    elif isinstance(node, list):
        for item in node:
            _scale_intervals(item, scale)


@contextmanager
def scaled_time(scale: float = TIME_SCALE) -> Iterator[ScaledClock]:
    """Every wait of the connector, `scale` times as long; BILL's hour ends when the emulator's does.

    * backoff sleeps (CDK, `backoff` library, login retries) are scaled;
    * the wait for the next hour after BDC_1144 ends at the emulator's scaled hour
      (`Limits(window_scale=scale)` uses the same wall clock);
    * the manifest's call-budget windows (`api_budget`) are scaled.
    """
    clock = ScaledClock(scale)
    hour = 3600 * scale
    parsed = source_module._parsed_manifest

    def until_next_hour(now: Any = None, margin_seconds: float = 5.0) -> float:
        return (hour - time.time() % hour) / scale + margin_seconds

    def scaled_manifest(path: str) -> Mapping[str, Any]:
        import copy

        manifest = copy.deepcopy(parsed(path))
        _scale_intervals(manifest.get("api_budget"), scale)
        return manifest

    with ExitStack() as stack:
        for target in (
            "airbyte_cdk.sources.streams.http.rate_limiting.time",
            "backoff._sync.time",
            "source_bill.client.sessions.time",
        ):
            stack.enter_context(mock.patch(target, clock))
        stack.enter_context(mock.patch("source_bill.client.limits.seconds_until_next_hour", until_next_hour))
        stack.enter_context(mock.patch.object(source_module, "_parsed_manifest", scaled_manifest))
        yield clock
