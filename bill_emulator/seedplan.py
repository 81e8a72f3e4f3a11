"""What a backend's seed function gets: one organization to fill, how much, and over what time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.ids import seeded_ids
from bill_emulator.timefmt import format_timestamp


@dataclass
class SeedPlan:
    ctx: Context  # scoped to the organization being filled
    invoices: int  # the largest AR stream; other streams are sized from it
    start: datetime  # history spans start..end (2+ years)
    end: datetime
    main: bool  # the organization the ready-made configs sign in to
    refs: dict[str, list[str]] = field(default_factory=dict)  # ids by kind, for relationships
    extra: dict[str, Any] = field(default_factory=dict)

    def scaled(self, ratio: float, minimum: int = 3) -> int:
        """A count proportional to the invoice count."""
        return max(minimum, int(self.invoices * ratio))

    def created_and_updated(self) -> tuple[str, str, datetime]:
        """A creation time in the history window and a later update time; most records never change."""
        fake = self.ctx.fake
        created = fake.moment_between(self.start, self.end - timedelta(hours=1))
        updated = created if fake.chance(0.6) else fake.moment_between(created, self.end)
        return format_timestamp(created), format_timestamp(updated), created


def fast_ids(ctx: Context, salt: str) -> Callable[[str], str]:
    """The bulk id maker of one family's seed in this organization. Its shard comes from a drawn vendor
    id, which also moves the organization's own id sequence (the seeded data depends on it)."""
    return seeded_ids(f"{salt}-{ctx.scope}", ctx.ids.new("009")[3:5])
