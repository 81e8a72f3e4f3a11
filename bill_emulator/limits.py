"""BILL's limits: 3 requests in flight per developer key and organization, 20,000 requests an hour
per developer key, 200 logins an hour, and 60 Spend & Expense calls a minute per token."""

from __future__ import annotations

import threading
from collections import Counter

from bill_emulator.clock import Clock
from bill_emulator.errors import BillApiError
from bill_emulator.settings import Limits


class Limiter:
    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._windows: Counter[tuple[str, str, int]] = Counter()

    def _error(self, code: str) -> BillApiError:
        return BillApiError(code, status=self.limits.limit_status)

    def _window(self, seconds: float) -> int:
        return int(self.clock.now() // (seconds * self.limits.window_scale))

    def _count(self, bucket: str, key: str, seconds: float, limit: int | None, code: str) -> None:
        if limit is None:
            return
        slot = (bucket, key, self._window(seconds))
        with self._lock:
            if self._windows[slot] >= limit:
                raise self._error(code)
            self._windows[slot] += 1

    def count_request(self, dev_key: str) -> None:
        """20,000 an hour per developer key; every call fails until the top of the next hour."""
        self._count("hour", dev_key, 3600, self.limits.requests_per_hour, "BDC_1144")

    def count_login(self, dev_key: str) -> None:
        self._count("login", dev_key, 3600, self.limits.logins_per_hour, "BDC_1148")

    def count_spend(self, token: str) -> None:
        self._count("spend", token, 60, self.limits.spend_per_minute, "BDC_1149")

    def enter(self, key: str, organization: str) -> None:
        limit = self.limits.concurrent_per_org
        with self._lock:
            if limit is not None and self._in_flight[(key, organization)] >= limit:
                raise self._error("BDC_1322")
            self._in_flight[(key, organization)] += 1

    def leave(self, key: str, organization: str) -> None:
        with self._lock:
            self._in_flight[(key, organization)] -= 1
            if self._in_flight[(key, organization)] <= 0:
                del self._in_flight[(key, organization)]

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
