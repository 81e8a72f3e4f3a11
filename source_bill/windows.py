"""Reading one `updatedTime` window of a BILL list, and the checks that make its shortcuts safe.

A window split off a long list (`partitions.UpdatedTimeWindows`) asks BILL for records from its
`start_time` up to `read_to` (the end of the whole stretch: so that its first page is the very
request made to size it), sorted on `updatedTime`, and keeps those up to its `end_time`. Two
shortcuts rest on BILL's documented order, and each is checked on every page:

* **Stopping at the window's end** before BILL's last page: only when every record of the walk so
  far came in order and the page's last record lies in a later *second* than the window's end.
  Then every record still to come is later too, even from a BILL that sorts to the second only.
* **Saving state inside the window** (`checkpoints.py`): only while the stream's pages came in
  order, and only up to the start of the newest record's second.

When a page is out of order, the walk goes on to BILL's end of the query, the window keeps only its
own records, no more state is saved inside windows and no more windows are cut (`WindowOrder`),
and the connector says so once per stream. BILL's filter bounds are not trusted either: a record
outside the window's bounds is dropped, whatever BILL sent.

The record filter (`BillWindowFilter`) keeps a window's records and checks each against the walk
so far (`WindowWalks`); the paginator asks the walk whether the page ends it (the CDK hands a
pagination strategy the slice when its `next_page_token` takes `stream_slice`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airbyte_cdk.sources.declarative.extractors.record_filter import RecordFilter
from airbyte_cdk.sources.types import StreamSlice

from .client.timestamps import parse_timestamp

logger = logging.getLogger("airbyte")

CURSOR_FIELD = "updatedTime"
START, END = "start_time", "end_time"
#: Extra slice field: the upper bound a window's requests ask for (see the module doc).
READ_TO = "read_to"


def whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@dataclass
class WindowOrder:
    """What a stream's pages showed of BILL's order, shared by its paginator, slicer and state
    saves (wired by `partitions.tune_streams`)."""

    stream: str
    unordered: bool = False  # some page came out of order, to the second
    _said: set[str] = field(default_factory=set, repr=False)

    def out_of_order(self, earlier: datetime, later: datetime) -> None:
        self.unordered = True
        self.say(
            "order",
            f"BILL returned {self.stream} out of updatedTime order although the request sorted on it "
            f"({later.isoformat()} came after {earlier.isoformat()}). Each window is read to BILL's last "
            "page and keeps only its own records, and state is saved after whole windows only: nothing "
            "is lost, more pages are read.",
        )

    def say(self, deviation: str, message: str) -> None:
        """Log `message` once per stream and deviation."""
        if deviation in self._said:
            return
        self._said.add(deviation)
        logger.warning(f"Stream {self.stream}: {message}")


@dataclass
class _Walk:
    last: datetime | None = None  # the walk's newest record so far
    in_order: bool = True  # every record so far at or after the one before it, to the second
    within_second: bool = True  # ... and to the millisecond


class WindowWalks:
    """The walks over a stream's windows: each thread's current walk, checked record by record.

    The record filter hands every record of a page to `see` before any of them reaches the cursor
    (so a state save never trusts an order already broken), and the paginator then asks
    `may_stop`. A walk runs in one thread from its first page to its last, and the CDK runs the
    filter over a whole page before it asks the paginator for the next one, so the thread's walk
    is the one the paginator asks about (`unit_tests/test_windows.py` checks it on a real read).
    """

    def __init__(self, order: WindowOrder) -> None:
        self.order = order
        self._local = threading.local()

    def walk(self, first_page: bool) -> _Walk:
        walk = getattr(self._local, "walk", None)
        if first_page or walk is None:
            walk = self._local.walk = _Walk()
        return walk

    def see(self, walk: _Walk, moment: datetime) -> None:
        """Check `moment` against the walk so far (to the second, and to the millisecond)."""
        last = walk.last
        if last is None or moment >= last:
            walk.last = moment
        elif whole_second(moment) < whole_second(last):
            if walk.in_order:
                walk.in_order = False
                self.order.out_of_order(last, moment)
        elif walk.within_second:
            walk.within_second = False
            self.order.say(
                "milliseconds",
                "BILL sorts updatedTime to the second only (records of one second came out of "
                "millisecond order); windows still stop at their end, checked to the second.",
            )

    def may_stop(self, stream_slice: StreamSlice | None) -> bool:
        """True when the thread's walk proves the rest of the list lies past the window's end: every
        record so far in order, the newest in a later second than the window's end."""
        walk = getattr(self._local, "walk", None)
        bounds = window_bounds(stream_slice)
        if walk is None or bounds is None or walk.last is None or not walk.in_order:
            return False
        return whole_second(walk.last) > bounds[1]


def window_bounds(stream_slice: StreamSlice | None) -> tuple[datetime, datetime] | None:
    """A slice's `start_time` and `end_time`, or None when it has no updatedTime bounds."""
    if stream_slice is None:
        return None
    start, end = parse_timestamp(stream_slice.get(START)), parse_timestamp(stream_slice.get(END))
    if start is None or end is None:
        return None
    return start, end


@dataclass
class BillWindowFilter(RecordFilter):
    """Keeps the records inside the slice's `updatedTime` bounds, whatever BILL's filter returned."""

    #: Set by `partitions.tune_streams`: the stream's walks, which check BILL's order.
    window_walks: WindowWalks | None = None

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: Any,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        bounds = window_bounds(stream_slice)
        if bounds is None:
            yield from records
            return
        start, end = bounds
        walks = self.window_walks
        walk = walks.walk(first_page=not next_page_token) if walks is not None else None
        early = 0
        for record in records:
            moment = parse_timestamp(record.get(CURSOR_FIELD))
            if moment is None:
                yield record  # nothing to place it by: kept, as BILL's filter kept it
                continue
            if walk is not None:
                walks.see(walk, moment)  # type: ignore[union-attr]
            if moment < start:
                early += 1
            elif moment <= end:
                yield record
        if early and walks is not None:
            walks.order.say(
                "lower bound",
                f"BILL returned {early} record(s) before the updatedTime bound the request asked for "
                f"(gte {stream_slice.get(START) if stream_slice else ''}); they are dropped here, as they were "
                "read before.",
            )
