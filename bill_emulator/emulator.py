"""One emulator instance: its database, clock, limits, faults, deviations and counters, and the ASGI app."""

from __future__ import annotations

from typing import Any

from bill_emulator.app import EmulatorApp
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
