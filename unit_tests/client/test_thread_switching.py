"""The thread switch interval follows what limits the read: BILL's latency or the process's CPU."""

from __future__ import annotations

import pytest

from source_bill import tuning
from source_bill.client.thread_switching import PYTHONS_SECONDS, QUICK_SECONDS, ThreadSwitching


class Clocks:
    """A wall clock and a CPU clock the test moves by hand."""

    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 5.0

    def spend(self, seconds: float, cpu_share: float) -> None:
        self.wall += seconds
        self.cpu += seconds * cpu_share


def _switching(clocks: Clocks, intervals: list[float]) -> ThreadSwitching:
    return ThreadSwitching(lambda: clocks.wall, lambda: clocks.cpu, intervals.append)


def test_given_a_read_waiting_on_bill_when_requests_finish_then_threads_switch_every_millisecond() -> None:
    clocks, intervals = Clocks(), []
    switching = _switching(clocks, intervals)
    switching.start()
    for _ in range(5):
        clocks.spend(1.0, cpu_share=0.15)
        switching.tick()
    assert intervals == [QUICK_SECONDS] and switching.quick


def test_given_a_cpu_bound_read_when_a_second_has_passed_then_pythons_interval_returns() -> None:
    clocks, intervals = Clocks(), []
    switching = _switching(clocks, intervals)
    switching.start()
    clocks.spend(0.5, cpu_share=1.0)
    switching.tick()  # half a period: too early to judge
    assert intervals == [QUICK_SECONDS]
    clocks.spend(0.6, cpu_share=1.0)
    switching.tick()
    assert intervals == [QUICK_SECONDS, PYTHONS_SECONDS] and not switching.quick


def test_given_a_read_near_the_thresholds_when_its_cpu_use_wavers_then_the_interval_does_not_flip() -> None:
    clocks, intervals = Clocks(), []
    switching = _switching(clocks, intervals)
    switching.start()
    for share in (0.9, 0.7, 0.6, 0.75, 0.55, 0.3, 0.7, 0.85):
        clocks.spend(1.0, cpu_share=share)
        switching.tick()
    # busy (0.9): slow; 0.7..0.55 in between: stays; waiting (0.3): quick; 0.7: stays; busy again: slow
    assert intervals == [QUICK_SECONDS, PYTHONS_SECONDS, QUICK_SECONDS, PYTHONS_SECONDS]


def test_given_switching_never_started_when_requests_finish_then_the_interval_is_left_alone() -> None:
    clocks, intervals = Clocks(), []
    switching = _switching(clocks, intervals)
    clocks.spend(10.0, cpu_share=1.0)
    switching.tick()
    assert intervals == []


def test_given_a_process_reading_many_organizations_when_streams_are_tuned_then_the_switch_interval_stays_pythons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocks, intervals = Clocks(), []
    switching = _switching(clocks, intervals)
    monkeypatch.setattr(tuning, "THREAD_SWITCHING", switching)
    switching.start()
    assert intervals == [QUICK_SECONDS]  # one organization: quick switches while it waits on BILL
    tuning.read_many_organizations()
    switching.start()  # the next organization's streams are tuned
    clocks.spend(5.0, cpu_share=0.1)
    switching.tick()
    assert intervals == [QUICK_SECONDS]  # a child of many: not switched again
