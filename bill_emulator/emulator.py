"""One emulator instance: its database, clock, limits, faults, deviations and counters, and the ASGI app."""

from __future__ import annotations

from typing import Any

from bill_emulator.app import EmulatorApp
from bill_emulator.configs import connector_config
from bill_emulator.routes import endpoints
from bill_emulator.runtime import Runtime
from bill_emulator.seed import seed_if_empty
from bill_emulator.settings import EmulatorSettings


class Emulator(Runtime):
    """A BILL v3 API in a box. `app` serves it over ASGI; Python callers may use the backends directly."""

    def __init__(self, settings: EmulatorSettings | None = None) -> None:
        super().__init__(settings)
        self.app = EmulatorApp(self, endpoints())
        self.credentials = seed_if_empty(self)

    def connector_config(self, base_url: str, auth_type: str, console: bool = False) -> dict[str, Any]:
        """A ready-to-use source-bill config from this emulator's credentials (configs.connector_config)."""
        return connector_config(self.credentials, base_url, auth_type, console=console)
