"""What the S&E seed has made so far (users, budgets, cards, custom fields), for the steps that follow:
seed.py fills it, activity.py spends from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.catalog import BudgetPlan


@dataclass
class Company:
    """Everything seeded so far, for the families that follow."""

    ctx: Context
    start: datetime
    end: datetime
    users: list[dict[str, Any]] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    plans: list[BudgetPlan] = field(default_factory=list)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # budget id -> members
    cards: list[dict[str, Any]] = field(default_factory=list)
    card_merchant: dict[str, str] = field(default_factory=dict)  # vendor card id -> merchant name
    closed_at: dict[str, datetime] = field(default_factory=dict)  # deleted card id -> when
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # field id -> live values

    @property
    def admin(self) -> dict[str, Any]:
        return self.users[0]

    def moment(self, after: datetime, before: datetime | None = None) -> datetime:
        return self.ctx.fake.moment_between(after, before or self.end)
