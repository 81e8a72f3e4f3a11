"""One emulator's moving parts: database, clock, ids, limits, faults, deviations, counters and the
webhook sender.

This is what the request pipeline (app.py) and the seed (seed.py) work with. It knows no route and no
family, only how a call's Context is made, so both may import it; `Emulator` (emulator.py) adds the app
and the seeded data on top.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import orjson

from bill_emulator.backends.auth import ORG, PARTNER, Principal
from bill_emulator.backends.context import Context
from bill_emulator.clock import Clock, FakeClock
from bill_emulator.counters import Counters
from bill_emulator.deliveries import Deliveries
from bill_emulator.deviations import ListDeviations
from bill_emulator.fake import Fake
from bill_emulator.faults import FaultInjector
from bill_emulator.ids import IdFactory
from bill_emulator.limits import Limiter
from bill_emulator.settings import EmulatorSettings
from bill_emulator.store import Store


class Runtime:
    """The state behind one emulator; `credentials` are filled in by the seed."""

    def __init__(self, settings: EmulatorSettings | None = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.clock: Clock = FakeClock() if self.settings.fake_clock else Clock()
        self.store = Store(self.settings.db_path)
        generation = int(self.store.meta("generation") or "0") + 1
        self.store.set_meta("generation", str(generation))
        self.ids = IdFactory(self.settings.seed * 1000 + generation)
        self.fake = Fake(f"{self.settings.seed}-{generation}")
        self.counters = Counters()
        self.limiter = Limiter(self.settings.limits, self.clock)
        self.faults = FaultInjector(self.settings.faults, self.settings.seed)
        self.deviations = ListDeviations(self.settings, self.counters)
        self._latency_rng = random.Random(f"latency-{self.settings.seed}")
        self.credentials: dict[str, Any] = {}
        self.deliveries = Deliveries(self.store, lambda: self.context(None), self.settings.webhooks)

    def close(self) -> None:
        """Stop the webhook sender and close the database."""
        self.deliveries.close()
        self.store.close()

    # -- for the pipeline -------------------------------------------------------------------
    def context(
        self,
        principal: Principal | None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Context:
        scope = principal.scope if principal else ""
        user = principal.user_id if principal else None
        organization = principal.scope if principal and principal.kind in (ORG, PARTNER) else None
        return Context(
            self.store,
            self.clock,
            self.ids,
            self.fake,
            scope,
            user,
            organization,
            query,
            self.deviations,
            principal.session_id if principal else None,
        )

    async def delay(self) -> None:
        latency = self.settings.latency_ms
        if self.settings.jitter_ms:
            latency += self._latency_rng.uniform(-self.settings.jitter_ms, self.settings.jitter_ms)
        if latency > 0:
            await asyncio.sleep(latency / 1000)

    # -- admin -------------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if path in ("", "/", "/health"):
            return 200, {"status": "ok"}
        if path == "/counters" and method == "GET":
            return 200, self.counters.snapshot()
        if path == "/counters/reset" and method == "POST":
            self.counters.reset()
            self.limiter.reset()
            return 200, self.counters.snapshot()
        if path == "/credentials" and method == "GET":
            return 200, self.credentials
        if path == "/clock" and method == "POST":
            if not isinstance(self.clock, FakeClock):
                return 400, {"error": "the emulator runs on the real clock (start it with a fake clock)"}
            try:
                seconds = float(orjson.loads(body or b"{}").get("advance_seconds", 0))
            except (ValueError, AttributeError, orjson.JSONDecodeError):
                return 400, {"error": 'body must be {"advance_seconds": number}'}
            self.clock.advance(seconds)
            return 200, {"now": self.clock.now()}
        return 404, {"error": f"no admin route {method} {path}"}

    def advance_clock(self, seconds: float) -> None:
        if not isinstance(self.clock, FakeClock):
            raise RuntimeError("advance_clock needs EmulatorSettings(fake_clock=True)")
        self.clock.advance(seconds)
