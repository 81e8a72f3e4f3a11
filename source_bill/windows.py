"""Reading one `updatedTime` window of a BILL list, and the checks that make its shortcuts safe.

A window split off a long list (`window_slicer.UpdatedTimeWindows`) asks BILL for records from its
`start_time` up to `read_to` (the end of the whole stretch: so that its first page is the very
request made to size it), sorted on `updatedTime`, and keeps those up to its `end_time`. Two
shortcuts rest on BILL's documented order, and each is checked on every page:

* **Stopping at the window's end** before BILL's last page: only when BILL's order is proven (the
  stream's walks showed records in an order a list in no order would show by chance less than once
  in 2.4e18, `EVIDENCE_TO_TRUST`, to the millisecond or to the second, and nothing out of order in
  this walk) and the walk's newest record lies past the window's end at that precision. Then every
  record still to come is later too, even from a BILL that sorts to the second only.
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
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airbyte_cdk.sources.declarative.extractors.record_filter import RecordFilter
from airbyte_cdk.sources.types import StreamSlice

from .client.timestamps import parse_bill_time, parse_timestamp

logger = logging.getLogger("airbyte")

CURSOR_FIELD = "updatedTime"
START, END = "start_time", "end_time"
#: Extra slice field: the upper bound a window's requests ask for (see the module doc).
READ_TO = "read_to"


def whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


#: The last `updatedTime` parsed in BILL's own shape, and its datetime: the cursor parses the same
#: string right after the record filter (`cursor_timestamps.fast_timestamps`), in the same thread.
last_parsed: tuple[Any, datetime] = (object(), datetime.min)  # nothing parsed yet


def record_time(value: Any) -> datetime | None:
    """A record's `updatedTime` as an aware datetime, or None when it has none.

    BILL's `yyyy-MM-ddTHH:mm:ss.SSS+HH:MM` goes straight to `datetime.fromisoformat` (and is kept in
    `last_parsed`); any other shape through `parse_timestamp`.
    """
    global last_parsed
    moment = parse_bill_time(value)
    if moment is None:
        return parse_timestamp(value)
    last_parsed = (value, moment)
    return moment


@dataclass
class WindowOrder:
    """What a stream's pages showed of BILL's order, shared by its paginator, slicer and state
    saves (wired by `tuning.tune_streams`)."""

    stream: str
    unordered: bool = False  # some page came out of order, to the second
    ms_broken: bool = False  # records of one second came out of millisecond order
    #: Evidence of BILL's order (natural log of 1 / the chance that a list in no order showed it),
    #: to the millisecond and to the second, over every walk of the stream (see `EVIDENCE_TO_TRUST`).
    ms_evidence: float = 0.0
    second_evidence: float = 0.0
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


#: How unlikely, at least, the order seen must be for a list in no order before BILL's sort is
#: trusted: 1 in 20! (2.4e18), what twenty records of distinct times in a row in order come to.
#: Records in order give evidence (a walk of n records whose times come in runs of m_1, m_2, ...
#: equal values is in order by chance with probability m_1! m_2! ... / n!), walks of one stream add
#: up (each window is a query of its own), and BILL's sorted lists give it within their first page.
EVIDENCE_TO_TRUST = math.lgamma(20 + 1)


@dataclass
class _Walk:
    """One thread's walk over the pages of one window."""

    last: datetime | None = None  # the newest record so far
    count: int = 0  # records seen
    ms_run: int = 0  # records in a row at the newest millisecond
    second_run: int = 0  # records in a row in the newest second
    ms_in_order: bool = True  # no record earlier than one before it
    seconds_in_order: bool = True  # no record in an earlier second than one before it

    def trusted(self, order: WindowOrder) -> str | None:
        """The precision ("ms" or "second") to which BILL's order is proven for this walk (the
        stream's evidence, and nothing out of order in this walk), or None."""
        if not self.seconds_in_order or order.unordered:
            return None
        if self.ms_in_order and not order.ms_broken and order.ms_evidence >= EVIDENCE_TO_TRUST:
            return "ms"
        return "second" if order.second_evidence >= EVIDENCE_TO_TRUST else None


class WindowWalks:
    """The walks over a stream's windows: each thread's current walk, checked record by record.

    The record filter hands every record of a page to `see` before any of them reaches the cursor,
    and the paginator then asks `may_stop`. A walk runs in one thread from its first page to its
    last, and the CDK runs the filter over a whole page before it asks the paginator for the next
    one (`SimpleRetriever._read_pages`, in `cdk_internals.INTERNALS`), so the thread's walk is the
    one the paginator asks about. Each window's walk is kept for the state saves inside it
    (`checkpoints.py`), which ask what it has proved as records arrive.
    """

    def __init__(self, order: WindowOrder) -> None:
        self.order = order
        self._local = threading.local()
        self._by_window: dict[int, _Walk] = {}  # id(window slice) -> its walk

    def walk(self, first_page: bool, window: StreamSlice) -> _Walk:
        walk = getattr(self._local, "walk", None)
        if first_page or walk is None:
            walk = self._local.walk = self._by_window[id(window)] = _Walk()
        return walk

    def see(self, walk: _Walk, moment: datetime) -> None:
        """Check `moment` against the walk so far, to the millisecond and to the second, and add
        what it proves to the stream's evidence."""
        last, order = walk.last, self.order
        walk.count += 1
        if last is not None and moment < last:
            if whole_second(moment) < whole_second(last):
                if walk.seconds_in_order:
                    walk.seconds_in_order = False
                    order.out_of_order(last, moment)
                return
            if walk.ms_in_order:
                walk.ms_in_order = False
                order.ms_broken = True
                order.say(
                    "milliseconds",
                    "BILL sorts updatedTime to the second only (records of one second came out of "
                    "millisecond order); windows still stop at their end, checked to the second.",
                )
        growth = math.log(walk.count)
        if last is not None and moment == last:
            walk.ms_run += 1
        elif last is None or moment > last:
            walk.ms_run = 1
        if walk.ms_in_order:
            order.ms_evidence += growth - math.log(walk.ms_run)
        if last is not None and whole_second(moment) == whole_second(last):
            walk.second_run += 1
        else:
            walk.second_run = 1
        if walk.seconds_in_order:
            order.second_evidence += growth - math.log(walk.second_run)
        if last is None or moment > last:
            walk.last = moment

    def trusted(self, window: Any) -> str | None:
        """What the walk over `window` has proved of BILL's order so far ("ms", "second" or None)."""
        walk = self._by_window.get(id(window))
        return walk.trusted(self.order) if walk is not None else None

    def forget(self, window: Any) -> None:
        """The window is read: its walk is no longer asked about."""
        self._by_window.pop(id(window), None)

    def may_stop(self, stream_slice: StreamSlice | None) -> bool:
        """True when the thread's walk proves the rest of the list lies past the window's end: BILL's
        order proven (`EVIDENCE_TO_TRUST`), the walk's newest record past the end at that precision."""
        walk = getattr(self._local, "walk", None)
        bounds = window_bounds(stream_slice)
        if walk is None or bounds is None or walk.last is None:
            return False
        trusted = walk.trusted(self.order)
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

    #: Set by `tuning.tune_streams`: the stream's walks, which check BILL's order.
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
        walk = walks.walk(not next_page_token, stream_slice) if walks is not None else None  # type: ignore[arg-type]
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
        if early and walks is not None:
            walks.order.say(
                "lower bound",
                f"BILL returned {early} record(s) before the updatedTime bound the request asked for "
                f"(gte {stream_slice.get(START) if stream_slice else ''}); they are dropped here, as they were "
                "read before.",
            )
