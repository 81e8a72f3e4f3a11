"""Deviation knobs at work on the shared list engine: they count what they change, and
`update_during_walk` edits rows the way a user in BILL's web app would during a sync."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bill_emulator.query import ListQuery, Page, page_rows, run_list, walk_ids
from bill_emulator.settings import Deviations, EmulatorSettings

if TYPE_CHECKING:
    from bill_emulator.backends.context import Context
    from bill_emulator.counters import Counters
    from bill_emulator.resources import Resource


class ListDeviations:
    """One emulator's deviation knobs. They are read on every list call, so a test may turn them
    on or off on a running emulator (`emulator.settings.deviations.max_cap = 37`)."""

    def __init__(self, settings: EmulatorSettings, counters: Counters) -> None:
        self._settings = settings
        self._counters = counters
        self._rng = random.Random(f"deviations-{settings.seed}")
        self._lock = threading.Lock()

    @property
    def knobs(self) -> Deviations:
        return self._settings.deviations

    def run(self, ctx: Context, resource: Resource, query: ListQuery, parent_id: str | None) -> Page:
        """One page of a list as a BILL with these deviations answers it."""
        knobs = self.knobs
        if not knobs.any():
            return run_list(ctx.store, resource, ctx.scope, query, parent_id=parent_id)
        page = run_list(ctx.store, resource, ctx.scope, query, parent_id=parent_id, deviations=knobs)
        for name in page.deviations:
            self._counters.deviation(name)
        # A trailing nextPage leads nowhere: edits follow pages that have more rows after them only,
        # so a walk with both knobs on still ends.
        if knobs.update_during_walk and page.next_token and "trailing_next_page" not in page.deviations:
            edited = self._edit_during_walk(ctx, resource, query, page, parent_id, knobs)
            self._counters.deviation("update_during_walk", edited)
        return page

    def run_rows(self, rows: Sequence[tuple[tuple[Any, ...], str]], query: ListQuery) -> Page:
        """One page of a short list held in memory (`query.page_rows`), as a BILL with these deviations
        answers it: `max_cap` and `trailing_next_page` act on it; the other knobs find no sort, filter
        or update time to act on."""
        knobs = self.knobs
        page = page_rows(rows, query, knobs if knobs.any() else None)
        for name in page.deviations:
            self._counters.deviation(name)
        return page

    def _edit_during_walk(
        self,
        ctx: Context,
        resource: Resource,
        query: ListQuery,
        page: Page,
        parent_id: str | None,
        knobs: Deviations,
    ) -> int:
        """Move `updatedTime` to now on rows of this list, some not yet served and some already served."""
        ids = walk_ids(ctx.store, resource, ctx.scope, query, parent_id, knobs)
        split = ids.index(page.last_id) + 1 if page.last_id in ids else 0
        chosen = self._choose(ids[split:], ids[:split], knobs.update_during_walk)
        now = ctx.now()
        edited = 0
        with ctx.store.transaction():
            for object_id in chosen:
                row = ctx.store.get(resource.kind, object_id)
                if row is None or "updatedTime" not in row.body:
                    continue
                row.body["updatedTime"] = max(now, row.body["updatedTime"] or now)
                ctx.store.replace(resource.kind, row.body)
                edited += 1
        return edited

    def _choose(self, ahead: list[str], behind: list[str], count: int) -> list[str]:
        """`count` ids drawn from the seed, alternately from rows ahead of the walk and rows behind it."""
        pools = [list(ahead), list(behind)]
        chosen: list[str] = []
        with self._lock:
            for turn in range(count):
                pool = pools[turn % 2] or pools[(turn + 1) % 2]
                if not pool:
                    break
                chosen.append(pool.pop(self._rng.randrange(len(pool))))
        return chosen
