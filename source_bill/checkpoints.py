"""State saved inside a window, so that a sync killed mid-window reads at most a page again.

The CDK's cursor saves a stream's state when a partition (an `updatedTime` window, see
`window_slicer.py`) has been read completely; a sync killed in the middle of a window of a hundred
pages read the whole window again. BILL returns a window's records sorted on `updatedTime`
(ascending, the windows ask for it), so once a record at time t has been handed on, every record
of that window before t has been too: the window is read from its start up to t - 1 ms. That is
saved only once the window's walk has proved BILL's order (`windows.WindowWalks`); where it proved
it to the second only (a BILL that sorts to the second), up to the second before t's.

`WindowCheckpoints` adds that interval to the cursor every `every` records of the stream, for
every window being read at that moment, and the cursor saves state as it does when a window is
closed. Records are put on the CDK's queue before the cursor sees them, and the state message
goes on the same queue, so a state message never covers a record not yet delivered. Once a page
of the stream came out of order, nothing more is saved inside windows.

With one window open (or all windows before it read) the state stays the CDK's single
`updatedTime`. While windows further on are read in parallel, it is the CDK's `date-range` form,
one interval per stretch read, so a resumed sync reads only the gaps between them: at most the
last `every` records per stream, plus the records of each open window on its last millisecond.
Its last interval ends at its newest record (the CDK would resume after the window's end), so a
resumed sync misses no record that became visible late, just as with a single `updatedTime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.state_converters.abstract_stream_state_converter import (
    ConcurrencyCompatibleStateType,
)
from airbyte_cdk.sources.types import Record

from .cdk_internals import CursorInternals
from .client.timestamps import parse_timestamp
from .windows import WindowWalks, whole_second

#: A stream's state is saved every this share of a page of records.
SAVES_PER_PAGE = 2


def records_between_saves(page_size: int) -> int:
    return max(1, page_size // SAVES_PER_PAGE)


def stretches_read(stream_state: Mapping[str, Any]) -> list[tuple[datetime, datetime]]:
    """The stretches of `updatedTime` (inclusive) that a sync resumed from `stream_state` does not
    read again: before the cursor of `{"updatedTime": t}` (t itself is read again); each interval of
    a `date-range` state, its last one only up to before its end. The first stretch reaches back to
    the beginning (its start is the start date: nothing before it is read either). Empty for no or
    unreadable state."""
    millisecond = timedelta(milliseconds=1)
    beginning = datetime.min.replace(tzinfo=timezone.utc)
    if "updatedTime" in stream_state:
        cursor = parse_timestamp(stream_state["updatedTime"])
        return [] if cursor is None else [(beginning, cursor - millisecond)]
    stretches = []
    for interval in stream_state.get("slices") or []:
        start, end = parse_timestamp(interval.get("start")), parse_timestamp(interval.get("end"))
        if start is not None and end is not None:
            stretches.append((start, end))
    if stretches:
        start, end = stretches[-1]
        stretches[-1] = (start, end - millisecond)
        stretches[0] = (beginning, stretches[0][1])
    return [(start, end) for start, end in stretches if start <= end]


@dataclass
class _WindowProgress:
    window: Any  # the window's slice, as the records carry it
    start: Any  # the window's lower bound, as a cursor value
    saved_to: Any = None  # the end of the last interval saved for this window


class WindowCheckpoints:
    """Saves a stream's state inside its windows (see the module doc). Installed on a cursor."""

    def __init__(self, cursor: CursorInternals, every: int, walks: WindowWalks) -> None:
        self._cursor = cursor
        self._every = max(1, every)
        self._walks = walks
        self._converter = cursor.converter
        self._granularity = cursor.granularity or timedelta(milliseconds=1)
        self._open: dict[Any, _WindowProgress] = {}
        self._unsaved = 0
        cursor.wrap("observe", self._observing)
        cursor.wrap("close_partition", self._closing)
        self._to_state_message = self._converter.convert_to_state_message
        self._converter.convert_to_state_message = self.to_state_message
        cursor.cursor.bill_checkpoints = self

    @classmethod
    def install(cls, cursor: ConcurrentCursor, every: int, walks: WindowWalks) -> WindowCheckpoints | None:
        existing = getattr(cursor, "bill_checkpoints", None)
        if isinstance(existing, WindowCheckpoints):
            return existing
        internals = CursorInternals.of(cursor)
        return cls(internals, every, walks) if internals is not None else None

    def _observing(self, observe: Callable[[Record], None]) -> Callable[[Record], None]:
        def observe_and_count(record: Record) -> None:
            # Per record, no lock and no slice hashing (a slice hashes its JSON): the records of a
            # window come from one thread, and a count off by a few between threads only moves a save.
            observe(record)  # the cursor keeps the newest updatedTime of each window
            window = record.associated_slice
            if window is None:
                return
            if id(window) not in self._open:
                start = window.get(self._cursor.start_key)
                if start is None:
                    return
                self._open[id(window)] = _WindowProgress(window, self._converter.parse_value(start))
            self._unsaved += 1
            if self._unsaved >= self._every:
                with self._cursor.lock:
                    if self._unsaved >= self._every:
                        self._save()

        return observe_and_count

    def _closing(self, close: Callable[[Partition], None]) -> Callable[[Partition], None]:
        def close_and_forget(partition: Partition) -> None:
            close(partition)
            window = partition.to_slice()
            for key, progress in list(self._open.items()):
                if progress.window is window or progress.window == window:
                    self._open.pop(key, None)
                    self._walks.forget(progress.window)

        return close_and_forget

    def _save(self) -> None:
        """Add what each open window has read to the cursor's intervals and emit the state."""
        self._unsaved = 0
        newest_of = self._cursor.newest_per_window()
        read: list[MutableMapping[str, Any]] = []
        for progress in list(self._open.values()):
            newest = newest_of.get(progress.window)
            # Only what a window's walk has proved of BILL's order (`windows.WindowWalks`) is saved.
            trusted = self._walks.trusted(progress.window)
            if newest is None or trusted is None:
                continue
            end = (newest if trusted == "ms" else whole_second(newest)) - self._granularity
            if end < progress.start or (progress.saved_to is not None and end <= progress.saved_to):
                continue
            progress.saved_to = end
            read.append(
                {
                    self._converter.START_KEY: progress.start,
                    self._converter.END_KEY: end,
                    self._converter.MOST_RECENT_RECORD_KEY: end,
                }
            )
        self._cursor.add_intervals_and_emit(read)

    def to_state_message(
        self, cursor_field: Any, stream_state: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """The CDK's single `updatedTime` while the read stretches are one interval, else `date-range`."""
        slices = stream_state.get("slices") or []
        if len(slices) <= 1 or not self._converter.is_state_message_compatible(stream_state):
            return self._to_state_message(cursor_field, stream_state)
        merged = self._converter.merge_intervals([dict(interval) for interval in slices])
        if len(merged) <= 1:
            return self._to_state_message(cursor_field, {**stream_state, "slices": merged})
        last = merged[-1]
        last[self._converter.END_KEY] = (
            last.get(self._converter.MOST_RECENT_RECORD_KEY) or last[self._converter.START_KEY]
        )
        return self._converter.serialize({"slices": merged}, ConcurrencyCompatibleStateType.date_range)
