"""Fault injection: seeded, so a run with the same settings fails the same way."""

from __future__ import annotations

import random
import threading
from collections import Counter

from bill_emulator.settings import Faults

_ORDER = ("html", "error", "reset", "slow", "truncated", "non_json", "throttle")


class FaultInjector:
    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self._rng = random.Random(f"faults-{seed}")
        self._lock = threading.Lock()
        self._authenticated: Counter[str] = Counter()

    def draw(self, path: str) -> str | None:
        """At most one fault per request. Logins and OAuth token requests are spared so a sync can
        always start."""
        f = self.faults
        if not f.any() or path.endswith("/login") or path == "/authx/token":
            return None
        rates = {
            "html": f.html_rate,
            "error": f.error_rate,
            "reset": f.reset_rate,
            "slow": f.slow_rate,
            "truncated": f.truncated_rate,
            "non_json": f.non_json_rate,
            "throttle": f.throttle_rate,
        }
        with self._lock:
            for name in _ORDER:
                if rates[name] and self._rng.random() < rates[name]:
                    return name
        return None

    def expire_now(self, session_id: str | None) -> bool:
        """Every Nth authenticated request of a session finds it expired."""
        every = self.faults.expire_session_every
        if not every or not session_id:
            return False
        with self._lock:
            self._authenticated[session_id] += 1
            return self._authenticated[session_id] % every == 0
