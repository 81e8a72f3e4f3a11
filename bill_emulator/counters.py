"""What the emulator has served: requests, logins, peak concurrency, errors, faults and deviations."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.logins = 0
            self.in_flight = 0
            self.peak_in_flight = 0
            self.per_route: Counter[str] = Counter()
            self.statuses: Counter[int] = Counter()
            self.error_codes: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.deviations: Counter[str] = Counter()

    def started(self, route: str) -> None:
        with self._lock:
            self.requests += 1
            self.per_route[route] += 1
            if route in ("login", "partner.login", "oauth.token"):
                self.logins += 1

    def entered(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def left(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def finished(self, status: int, codes: list[str] | None = None) -> None:
        with self._lock:
            self.statuses[status] += 1
            for code in codes or ():
                self.error_codes[code] += 1

    def fault(self, name: str) -> None:
        with self._lock:
            self.faults[name] += 1

    def deviation(self, name: str, times: int = 1) -> None:
        """A deviation knob changed an answer (or, for update_during_walk, updated `times` rows)."""
        with self._lock:
            self.deviations[name] += times

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "logins": self.logins,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "per_route": dict(self.per_route),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "error_codes": dict(self.error_codes),
                "faults": dict(self.faults),
                "deviations": dict(self.deviations),
            }
