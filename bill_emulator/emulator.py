"""One emulator instance: its database, clock, limits, faults, deviations and counters, and the ASGI app."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bill_emulator.backends.auth import ORG, PARTNER, Principal
from bill_emulator.backends.context import Context
from bill_emulator.clock import Clock, FakeClock
from bill_emulator.counters import Counters
from bill_emulator.deviations import ListDeviations
from bill_emulator.fake import Fake
from bill_emulator.faults import FaultInjector
from bill_emulator.ids import IdFactory
from bill_emulator.limits import Limiter
from bill_emulator.settings import EmulatorSettings
from bill_emulator.store import Store


class Emulator:
    """A BILL v3 API in a box. `app` serves it over ASGI; Python callers may use the backends directly."""

    def __init__(self, settings: EmulatorSettings | None = None) -> None:
        from bill_emulator.app import EmulatorApp
        from bill_emulator.routes import endpoints
        from bill_emulator.seed import seed_if_empty

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
        self.app = EmulatorApp(self, endpoints())
        self.credentials: dict[str, Any] = seed_if_empty(self)

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
            self.store, self.clock, self.ids, self.fake, scope, user, organization, query, self.deviations
        )

    async def delay(self) -> None:
        latency = self.settings.latency_ms
        if self.settings.jitter_ms:
            latency += self._latency_rng.uniform(-self.settings.jitter_ms, self.settings.jitter_ms)
        if latency > 0:
            await asyncio.sleep(latency / 1000)

    # -- admin -------------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        import orjson

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

    def connector_config(self, base_url: str, auth_type: str, console: bool = False) -> dict[str, Any]:
        """A ready-to-use source-bill config for one of the auth types (ap_ar, partner, spend_expense,
        oauth). `console=True` gives the ap_ar config with the Accountant Console API token
        (`console_api_token`) in place of the password."""
        creds = self.credentials
        if console and auth_type != "ap_ar":
            raise ValueError("console=True goes with auth type 'ap_ar' only")
        if auth_type == "ap_ar":
            c = creds["ap_ar"]
            secret = {"console_api_token": c["console_api_token"]} if console else {"password": c["password"]}
            credentials = {
                "auth_type": "ap_ar",
                "username": c["username"],
                **secret,
                "organization_id": c["organization_id"],
                "dev_key": c["dev_key"],
            }
        elif auth_type == "partner":
            c = creds["partner"]
            credentials = {
                "auth_type": "partner",
                "username": c["username"],
                "password": c["password"],
                "app_key": c["app_key"],
            }
        elif auth_type == "spend_expense":
            credentials = {"auth_type": "spend_expense", "api_token": creds["spend_expense"]["api_token"]}
        elif auth_type == "oauth":
            c = creds["oauth"]
            credentials = {
                "auth_type": "oauth",
                "client_id": c["client_id"],
                "client_secret": c["client_secret"],
            }
        else:
            raise ValueError(f"unknown auth type {auth_type!r}")
        return {"credentials": credentials, "base_url": base_url}
