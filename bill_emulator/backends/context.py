"""What a backend call can see: the store, the clock, id and data factories, and the caller."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from bill_emulator.clock import Clock
from bill_emulator.fake import Fake
from bill_emulator.ids import IdFactory
from bill_emulator.store import Store
from bill_emulator.timefmt import format_timestamp


class ListPager(Protocol):
    """Pages a list as a BILL that deviates from its documents would (deviations.ListDeviations). The
    list engine sits above this module, so its types are not named here."""

    def run(self, ctx: Context, resource: Any, query: Any, parent_id: str | None) -> Any: ...
    def run_rows(self, rows: Any, query: Any) -> Any: ...


@dataclass
class Context:
    store: Store
    clock: Clock
    ids: IdFactory
    fake: Fake
    scope: str = ""  # organization id (AP/AR), partner id (partner), spend company id (S&E)
    user_id: str | None = None
    organization_id: str | None = None  # the organization an AP/AR or partner-user call acts on
    params: dict[str, Any] | None = None
    deviations: ListPager | None = None  # how lists deviate from BILL's documents (off by default)
    session_id: str | None = None  # the caller's session (MFA trust is a session's)

    def now(self) -> str:
        """The current time as BILL renders timestamps."""
        return format_timestamp(self.clock.now())

    def with_scope(self, scope: str) -> Context:
        return replace(self, scope=scope)
