"""Fault matrix: under every fault the emulator can inject, alone and all together, a sync of every
stream of every auth type delivers exactly the records of a fault-free sync.

Each row starts its own emulator with the fault switched on, takes a fault-free reference sync on it
(faults off for that sync only), then syncs with the faults on. A sync that fails is resumed from
its newest state messages, as Airbyte would; every failed attempt must be a transient error naming
its cause, and the union of the attempts must equal the reference: nothing lost, nothing invented,
nothing twice within one attempt. Waits are scaled (`harness.scaled_time`).

Unmarked: the all-faults row for AP/AR, and the give-up behaviour when a fault never stops. The
rest of the matrix is marked `reliability` (`make test-reliability`); docs/reliability.md has the
table and the last results.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from airbyte_cdk.models import FailureType

from bill_emulator import EmulatorServer, EmulatorSettings, Faults, Limits, running_emulator
from integration_tests.reliability.harness import (
    AUTH_TYPES,
    CAUSE,
    TIME_SCALE,
    assert_complete,
    describe,
    first_sync_catalog,
    reference_sync,
    run_sync,
    scaled_time,
    sync_until_complete,
)
from source_bill.client.sessions import reset_shared_sessions

#: Small pages, so every stream needs several requests and a fault can land in the middle of a walk.
PAGE_SIZES = {"ap_ar": 25, "partner": 2, "spend_expense": 10}


@dataclass(frozen=True)
class Row:
    name: str
    faults: Faults = field(default_factory=Faults)
    limits: Limits = field(default_factory=Limits)
    config: dict[str, Any] = field(default_factory=dict)
    attempts: int = 5
    #: BILL's hourly (and S&E per-minute) limit as a fraction of the requests of the reference sync,
    #: so that the sync needs several (scaled) hours whatever the connector's request count.
    limit_fraction: float | None = None
    #: What the row is about: the emulator must have injected it at least once (AP/AR, S&E).
    expect: tuple[str, ...] = ()
    #: The auth types the fault exists for (a Spend & Expense API token has no session to expire).
    auth_types: tuple[str, ...] = AUTH_TYPES


ALL_FAULTS = Faults(
    error_rate=0.05,
    reset_rate=0.02,
    slow_rate=0.01,
    slow_seconds=3,
    truncated_rate=0.02,
    non_json_rate=0.02,
    html_rate=0.02,
    throttle_rate=0.05,
    expire_session_every=25,
)

ROWS = [
    Row("500 BDC_1001 at 5%", Faults(error_rate=0.05), expect=("error",)),
    Row("connection resets at 2%", Faults(reset_rate=0.02), expect=("reset",)),
    Row(
        "answers slower than the request timeout at 2%",
        Faults(slow_rate=0.02, slow_seconds=3),
        config={"request_timeout_seconds": 1},
        expect=("slow",),
    ),
    Row("truncated JSON bodies at 5%", Faults(truncated_rate=0.05), expect=("truncated",)),
    Row("non-JSON bodies at 5%", Faults(non_json_rate=0.05), expect=("non_json",)),
    Row("HTML gateway error page (502) at 5%", Faults(html_rate=0.05), expect=("html",)),
    Row(
        "session expired every 25 requests (BDC_1109)",
        Faults(expire_session_every=25),
        expect=("session_expired",),
        auth_types=("ap_ar", "partner"),
    ),
    Row(
        "BDC_1322 bursts at 10%, limit status 429",
        Faults(throttle_rate=0.1),
        Limits(limit_status=429),
        expect=("throttle",),
    ),
    Row(
        "BDC_1322 bursts at 10%, limit status 422",
        Faults(throttle_rate=0.1),
        Limits(limit_status=422),
        expect=("throttle",),
    ),
    Row(
        "BDC_1322 bursts at 10%, limit status 400",
        Faults(throttle_rate=0.1),
        Limits(limit_status=400),
        expect=("throttle",),
    ),
    Row(
        "BDC_1144: the (scaled) hour allows a third of the sync",
        limit_fraction=1 / 3,
        expect=("BDC_1144|BDC_1149",),
    ),
    Row(
        "all together, limit status 429",
        ALL_FAULTS,
        Limits(limit_status=429),
        config={"request_timeout_seconds": 1},
        attempts=8,
        limit_fraction=1 / 2,
    ),
    Row(
        "all together, limit status 400",
        ALL_FAULTS,
        Limits(limit_status=400),
        config={"request_timeout_seconds": 1},
        attempts=8,
        limit_fraction=1 / 2,
    ),
]
REPRESENTATIVE = ("all together, limit status 429", "ap_ar")


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    reset_shared_sessions(include_login_budgets=True)
    yield
    reset_shared_sessions(include_login_budgets=True)


@pytest.fixture(scope="module")
def emulator_for() -> Iterator[Callable[[Row], EmulatorServer]]:
    """The emulator of a row: started at the row's first test, stopped when the next row starts."""
    current: dict[str, Any] = {}

    def stop() -> None:
        if current:
            current.pop("context").__exit__(None, None, None)
            current.clear()

    def get(row: Row) -> EmulatorServer:
        if current.get("name") != row.name:
            stop()
            limits = Limits(**{**row.limits.__dict__, "window_scale": TIME_SCALE})
            context = running_emulator(
                EmulatorSettings(scale="small", seed=11, faults=row.faults, limits=limits)
            )
            current.update(name=row.name, server=context.__enter__(), context=context)
        return current["server"]

    try:
        yield get
    finally:
        stop()


def _row_params() -> list[Any]:
    params = []
    for row in ROWS:
        for auth_type in row.auth_types:
            marks = [] if (row.name, auth_type) == REPRESENTATIVE else [pytest.mark.reliability]
            params.append(pytest.param(row, auth_type, marks=marks, id=f"{row.name} | {auth_type}"))
    return params


def _increase(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: count - before.get(name, 0) for name, count in after.items() if count > before.get(name, 0)}


@pytest.mark.parametrize(("row", "auth_type"), _row_params())
def test_given_faults_when_syncing_every_stream_then_exactly_the_fault_free_records(
    emulator_for, row, auth_type
):
    server = emulator_for(row)
    config = {**server.config(auth_type), "page_size": PAGE_SIZES[auth_type], **row.config}
    catalog = first_sync_catalog(config)
    with scaled_time():
        start = server.counters()["requests"]
        reference = reference_sync(server, auth_type, config, catalog)
        before = server.counters()
        limits = server.emulator.limiter.limits
        if row.limit_fraction:
            limits.requests_per_hour = max(5, math.ceil((before["requests"] - start) * row.limit_fraction))
            # S&E has no hourly limit but 60 calls a minute per token, which the connector's call
            # budget (55 a minute) keeps under; 3 a (scaled) minute makes the emulator refuse calls.
            limits.spend_per_minute = 3
        runs = sync_until_complete(config, catalog, attempts=row.attempts)
        limits.requests_per_hour, limits.spend_per_minute = (
            row.limits.requests_per_hour,
            row.limits.spend_per_minute,
        )
    after = server.counters()
    injected = _increase(before["faults"], after["faults"]) | _increase(
        before["error_codes"], after["error_codes"]
    )
    print(f"\n[{row.name} | {auth_type}] injected: {injected}\n{describe(runs)}")
    assert_complete(runs, reference)
    if auth_type != "partner":  # the partner streams make too few requests to be sure to meet a fault
        for name in row.expect:
            assert any(re.fullmatch(name, seen) for seen in injected), f"no {name} was injected: {injected}"


# -- when a fault never stops --------------------------------------------------------------------

GIVE_UP = [
    pytest.param(Faults(error_rate=1.0), Limits(), {}, r"BDC_1001|server error", id="500 BDC_1001"),
    pytest.param(Faults(reset_rate=1.0), Limits(), {}, r"connection dropped", id="connection reset"),
    pytest.param(Faults(truncated_rate=1.0), Limits(), {}, r"unreadable.*cut off", id="truncated body"),
    pytest.param(Faults(non_json_rate=1.0), Limits(), {}, r"unreadable.*not JSON", id="non-JSON body"),
    pytest.param(Faults(html_rate=1.0), Limits(), {}, r"HTTP 502", id="HTML 502 page"),
    pytest.param(Faults(throttle_rate=1.0), Limits(limit_status=429), {}, r"BDC_1322", id="BDC_1322 at 429"),
    pytest.param(Faults(throttle_rate=1.0), Limits(limit_status=400), {}, r"BDC_1322", id="BDC_1322 at 400"),
    pytest.param(
        Faults(slow_rate=1.0, slow_seconds=2),
        Limits(),
        {"request_timeout_seconds": 1},
        r"request timeout.*ReadTimeout",
        id="every answer too slow",
        marks=pytest.mark.reliability,
    ),
]


@pytest.mark.parametrize(("faults", "limits", "extra", "cause"), GIVE_UP)
def test_given_a_fault_that_never_stops_when_syncing_then_transient_error_naming_it_and_no_success(
    faults, limits, extra, cause
):
    settings = EmulatorSettings(
        scale="tiny", seed=3, faults=faults, limits=Limits(**{**limits.__dict__, "window_scale": TIME_SCALE})
    )
    with running_emulator(settings) as server, scaled_time():
        config = {**server.config("ap_ar"), **extra}
        run = run_sync(config, first_sync_catalog(config, ["vendors"]))
    report = describe([run])
    assert not run.succeeded, report
    assert not run.records, report
    vendors = [failure for failure in run.stream_failures if failure.stream == "vendors"]
    assert vendors, report
    for failure in vendors:
        assert failure.failure_type == FailureType.transient_error, report
        assert CAUSE.search(failure.message), report
    assert any(re.search(cause, failure.message, re.S) for failure in vendors), report
