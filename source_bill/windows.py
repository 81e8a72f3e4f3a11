"""Reading one `updatedTime` window of a BILL list, and the checks that make its shortcuts safe.

A window split off a long list (`partitions.UpdatedTimeWindows`) asks BILL for records from its
`start_time` up to `read_to` (the end of the whole stretch: so that its first page is the very
request made to size it), sorted on `updatedTime`, and keeps those up to its `end_time`. Two
shortcuts rest on BILL's documented order, and each is checked on every page:

* **Stopping at the window's end** before BILL's last page: only when the walk so far proves BILL's
  order (`STEPS_TO_TRUST` steps up and none down, to the millisecond or to the second) and its
  newest record lies past the window's end at that precision. Then every record still to come is
  later too, even from a BILL that sorts to the second only; a list in no order shows such a run
  by chance about once in 2.4e18 walks.
* **Saving state inside the window** (`checkpoints.py`): only while the window's walk proves the
  order that way, and up to the newest record's millisecond (or second) only.

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


#: The last `updatedTime` parsed in BILL's own shape, and its datetime: the cursor parses the same
#: string right after the record filter (`partitions.fast_timestamps`), in the same thread.
last_parsed: tuple[Any, datetime] = (object(), datetime.min)  # nothing parsed yet


def record_time(value: Any) -> datetime | None:
    """A record's `updatedTime` as an aware datetime, or None when it has none.

    BILL's `yyyy-MM-ddTHH:mm:ss.SSS+HH:MM` goes straight to `datetime.fromisoformat` (and is kept in
    `last_parsed`); any other shape through `parse_timestamp`.
    """
    global last_parsed
    if (
        type(value) is str
        and len(value) == 29
        and value[19] == "."
        and value[23] in "+-"
        and value[26] == ":"
    ):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return parse_timestamp(value)
        last_parsed = (value, moment)
        return moment
    return parse_timestamp(value)


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


#: Steps up (to a later millisecond, or a later second) a walk must show, and none down, before its
#: order is trusted: a list that ignores `sort` shows that many in a row by chance about once in
#: 20! (2.4e18) walks, while a window of BILL's sorted list shows them on its first page.
STEPS_TO_TRUST = 20


@dataclass
class _Walk:
    last: datetime | None = None  # the walk's newest record so far
    seconds_in_order: bool = True  # no record in an earlier second than one before it
    ms_in_order: bool = True  # no record earlier than one before it, to the millisecond
    second_steps: int = 0  # records in a later second than the one before
    ms_steps: int = 0  # records later than the one before

    def trusted(self) -> str | None:
        """ "ms" or "second" when the walk's order is proven to that precision, else None."""
        if self.ms_in_order and self.ms_steps >= STEPS_TO_TRUST:
            return "ms"
        if self.seconds_in_order and self.second_steps >= STEPS_TO_TRUST:
            return "second"
        return None


class WindowWalks:
    """The walks over a stream's windows: each thread's current walk, checked record by record.

    The record filter hands every record of a page to `see` before any of them reaches the cursor,
    and the paginator then asks `may_stop`. A walk runs in one thread from its first page to its
    last, and the CDK runs the filter over a whole page before it asks the paginator for the next
    one (`SimpleRetriever._read_pages`, in `cdk_internals.INTERNALS`), so the thread's walk is the
    one the paginator asks about. What a window's walk proved is kept per window for the state
    saves inside it (`checkpoints.py`).
    """

    def __init__(self, order: WindowOrder) -> None:
        self.order = order
        self._local = threading.local()
        self._trust: dict[int, str | None] = {}  # id(window slice) -> what its walk proved

    def walk(self, first_page: bool) -> _Walk:
        walk = getattr(self._local, "walk", None)
        if first_page or walk is None:
            walk = self._local.walk = _Walk()
        return walk

    def see(self, walk: _Walk, moment: datetime) -> None:
        """Check `moment` against the walk so far (to the second, and to the millisecond)."""
        last = walk.last
        if last is None:
            walk.last = moment
        elif moment > last:
            walk.ms_steps += 1
            if whole_second(moment) > whole_second(last):
                walk.second_steps += 1
            walk.last = moment
        elif moment < last:
            if whole_second(moment) < whole_second(last):
                if walk.seconds_in_order:
                    walk.seconds_in_order = False
                    self.order.out_of_order(last, moment)
            elif walk.ms_in_order:
                self.order.say(
                    "milliseconds",
                    "BILL sorts updatedTime to the second only (records of one second came out of "
                    "millisecond order); windows still stop at their end, checked to the second.",
                )
            walk.ms_in_order = False

    def page_seen(self, walk: _Walk, window: StreamSlice) -> None:
        self._trust[id(window)] = walk.trusted()

    def trusted(self, window: Any) -> str | None:
        """What the walk over `window` has proved of BILL's order so far ("ms", "second" or None)."""
        return None if self.order.unordered else self._trust.get(id(window))

    def may_stop(self, stream_slice: StreamSlice | None) -> bool:
        """True when the thread's walk proves the rest of the list lies past the window's end: its
        order proven (`STEPS_TO_TRUST`), its newest record past the end at that precision."""
        walk = getattr(self._local, "walk", None)
        bounds = window_bounds(stream_slice)
        if walk is None or bounds is None or walk.last is None:
            return False
        trusted = walk.trusted()
        if trusted == "ms":
            return walk.last > bounds[1]
        return trusted == "second" and whole_second(walk.last) > bounds[1]


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
            moment = record_time(record.get(CURSOR_FIELD))
            if moment is None:
                yield record  # nothing to place it by: kept, as BILL's filter kept it
                continue
            if walk is not None:
                walks.see(walk, moment)  # type: ignore[union-attr]
            if moment < start:
                early += 1
            elif moment <= end:
                yield record
        if walk is not None and stream_slice is not None:
            walks.page_seen(walk, stream_slice)  # type: ignore[union-attr]
        if early and walks is not None:
            walks.order.say(
                "lower bound",
                f"BILL returned {early} record(s) before the updatedTime bound the request asked for "
                f"(gte {stream_slice.get(START) if stream_slice else ''}); they are dropped here, as they were "
                "read before.",
            )
