"""One emulator instance: its database, clock, limits, faults, deviations and counters, and the ASGI app."""

from __future__ import annotations

from typing import Any

from bill_emulator.app import EmulatorApp
from bill_emulator.backends import memberships
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

    def connector_config(
        self, base_url: str, auth_type: str, console: bool = False, organization_id: str | None = None
    ) -> dict[str, Any]:
        """A ready-to-use source-bill config from this emulator's credentials (configs.connector_config)."""
        return connector_config(
            self.credentials, base_url, auth_type, console=console, organization_id=organization_id
        )

    # -- the main user's organizations ------------------------------------------------------------
    def organization_ids(self, console: bool = True) -> list[str]:
        """The organizations the main user (the ready-made AP/AR config's login) signs in to, in the
        order `GET /v3/login/organizations` lists them; `console=False` leaves out the Accountant
        Console organization (it has no AP/AR data)."""
        main = self.credentials["ap_ar"]
        ctx = self.context(None)
        user_id = next(
            user
            for _name, _secret, scope, user in self.store.credentials("user", main["username"])
            if scope == main["organization_id"]
        )
        listed = memberships.login_organizations(ctx, main["organization_id"], user_id)
        return [
            body["id"] for _keys, body in listed if console or not memberships.is_console(ctx, body["id"])
        ]

    def console_organization_id(self) -> str | None:
        """The accounting firm's Accountant Console organization the main user belongs to; None when
        the user has one organization (`organizations=1`: no client organizations, no console)."""
        console = self.credentials.get("console")
        return str(console["organization_id"]) if console else None

    def client_organization_ids(self) -> list[str]:
        """The console's client organizations, in list order (every organization of the main user but
        the main one and the console)."""
        ctx = self.context(None)
        console_id = self.console_organization_id()
        if console_id is None:
            return []
        return [org for org in self.organization_ids() if memberships.console_of(ctx, org) == console_id]

    def refuse_sign_in(self, organization_id: str) -> None:
        """Take an organization's API access away: `POST /v3/login` to it answers 403 BDC_1105 (for
        the main user and anyone else), and the sessions open in it end (401 BDC_1109 on their next
        call). It stays in the login organizations list. ValueError for an unknown organization."""
        with self.store.transaction():
            memberships.refuse_sign_in(self.context(None), organization_id)

    def allow_sign_in(self, organization_id: str) -> None:
        """Give an organization its API access back (undoes `refuse_sign_in`)."""
        with self.store.transaction():
            memberships.allow_sign_in(self.context(None), organization_id)
