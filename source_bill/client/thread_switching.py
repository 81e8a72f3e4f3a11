"""How long a thread runs before Python lets another one take over, chosen by what limits the sync.

Every reading thread and the thread that writes messages share one interpreter lock. A thread woken
by the network (its page has come) or by the request gate (a slot is free) waits for the lock until
the running thread has used up the switch interval, 5 ms by default, and a request cycle needs
several such turns. While the sync waits on BILL, a 1 ms interval keeps the three request slots
busy (it cut the 2-in-flight time of `make bench` scenario 6 by a third, at no measurable CPU cost).
While the sync is busy on its own CPU (BILL answers at once, or many organizations share a process)
no slot waits on the network, and the extra switches only cost: at latency 0 (`make bench`
scenario 2) a read took 13.0 s of CPU at 1 ms against 10.8 s at 5 ms (five alternating runs each).

`ThreadSwitching` measures the process's CPU use over each second of the read (checked as requests
finish) and switches every millisecond while it uses less than half a core, every 5 ms once it
uses most of one.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

#: The interval while the sync waits on BILL.
QUICK_SECONDS = 0.001
#: Python's own interval, while the sync is busy on its CPU.
PYTHONS_SECONDS = 0.005
#: Share of one core above which the process is CPU-bound, and below which it waits on BILL again
#: (apart, so that a sync near one does not flip every second).
BUSY_SHARE = 0.8
WAITING_SHARE = 0.5
#: Seconds of reading each decision looks back on.
PERIOD_SECONDS = 1.0


class ThreadSwitching:
    """Quick thread switches while the process waits on BILL, Python's own while it is CPU-bound."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
        set_interval: Callable[[float], None] = sys.setswitchinterval,
    ) -> None:
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._set_interval = set_interval
        self._lock = threading.Lock()
        self._due = float("inf")  # not started: `tick` does nothing
        self._since = self._cpu = 0.0
        self._held = False
        self.quick = False

    def start(self) -> None:
        """Switch quickly from now on, until the process turns out to be CPU-bound (unless held)."""
        with self._lock:
            if self._held:
                return
            self._set(True)
            self._since, self._cpu = self._clock(), self._cpu_clock()
            self._due = self._since + PERIOD_SECONDS

    def hold(self) -> None:
        """Leave the interval as it is for good, started or not (a process reading many organizations)."""
        with self._lock:
            self._held = True
            self._due = float("inf")

    def tick(self) -> None:
        """Called as each request finishes: once a period has passed, choose the interval again."""
        now = self._clock()
        if now < self._due or not self._lock.acquire(blocking=False):
            return
        try:
            if now < self._due:
                return  # another thread decided in between
            cpu = self._cpu_clock()
            share = (cpu - self._cpu) / max(now - self._since, 1e-9)
            self._since, self._cpu, self._due = now, cpu, now + PERIOD_SECONDS
            if self.quick and share >= BUSY_SHARE:
                self._set(False)
            elif not self.quick and share <= WAITING_SHARE:
                self._set(True)
        finally:
            self._lock.release()

    def _set(self, quick: bool) -> None:
        self.quick = quick
        self._set_interval(QUICK_SECONDS if quick else PYTHONS_SECONDS)


#: The process's thread switching: started by `tuning.tune_streams`, ticked by `gate.GatedAdapter`.
THREAD_SWITCHING = ThreadSwitching()
