"""The stream slicer of a list BILL filters and sorts on `updatedTime`: windows cut as it goes.

Such a list is read from the state (or the start date) to now, in windows cut as it goes. The
first page from a point onwards is fetched ahead:

* empty: nothing is left to read (one request in all for an empty list);
* the last page: the window runs to the end, and its reader gets that answer as its first page
  instead of asking again (`replays.py`; one request in all for a list of one page, e.g. the
  incremental sync of a list where nothing changed);
* otherwise the page's time span gives the density of records there, the window ends after a
  quarter of the pages estimated left to cut in the sync, this stream's and the other streams'
  (`window_sizing.py`), and the next first page is fetched from that point. Each window asks for
  records up to now (so that its first request is the one made ahead) and stops at its end once
  a page proves the rest lies past it (`windows.py`); no page is fetched only to size them. Once
  a page of the stream came out of order, the rest is one window.

Windows are cut ahead of their readers by one only (`sync_windows.py`); each costs about half a
page more than its records (its last page reaches past its end).

Windows are contiguous and inclusive on both ends (`gte`/`lte`, one millisecond apart), so the
CDK's cursor merges them back into one interval: the state stays a single timestamp, and only
advances over windows read completely.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.stream_slicers.declarative_partition_generator import (
    StreamSlicerPartitionGenerator,
)
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.types import StreamSlice

from . import cdk_internals as cdk
from .bodies import parsed_body
from .client.timestamps import format_cursor, parse_timestamp
from .replays import Replays
from .sync_windows import SyncWindows
from .window_sizing import MILLISECOND, PageSpan, records_left, whole_second_from, window_cut
from .windows import CURSOR_FIELD, END, READ_TO, START, WindowOrder

logger = logging.getLogger("airbyte")

#: After this many windows, the last one runs to the end.
MAX_WINDOWS = 256


class UpdatedTimeWindows:
    """Stream slicer for a list BILL filters and sorts on `updatedTime` (see the module doc)."""

    def __init__(
        self,
        stream_name: str,
        cursor: ConcurrentCursor,
        retriever: Any,
        order: WindowOrder,
        split: bool = True,
        windows: SyncWindows | None = None,
    ) -> None:
        #: False for a list BILL filters on updatedTime but does not sort by it: read in the cursor's
        #: slices as they are, each asked up to the whole second after its end.
        self.split = split
        self._stream_name = stream_name
        self._cursor = cursor
        self._requester: HttpRequester = retriever.requester
        self._paginator = retriever.paginator
        self._order = order
        #: The windows of this organization's read, all streams together.
        self._sync_windows = windows if windows is not None else SyncWindows()
        if split:
            self._watch_closes()

    def _watch_closes(self) -> None:
        """Count the stream's windows closed by the CDK (its cursor closes each window read)."""
        close, windows = self._cursor.close_partition, self._sync_windows

        def close_partition(partition: Any) -> None:
            try:
                close(partition)
            finally:
                windows.closed(partition.to_slice())

        self._cursor.close_partition = close_partition  # type: ignore[method-assign]

    @classmethod
    def for_stream(
        cls,
        name: str,
        generator: StreamSlicerPartitionGenerator,
        order: WindowOrder,
        windows: SyncWindows | None = None,
    ) -> UpdatedTimeWindows | None:
        """The slicer for a stream, or None when its list is not filtered on updatedTime up to a
        window's `read_to`; one that cuts no windows when the list is not sorted on updatedTime."""
        cursor = cdk.generator_slicer(generator)
        retriever = cdk.generator_retriever(generator)
        requester = getattr(retriever, "requester", None)
        if not isinstance(cursor, ConcurrentCursor) or not isinstance(requester, HttpRequester):
            return None
        if cursor.cursor_field.cursor_field_key != CURSOR_FIELD:
            return None
        moment, later = "2000-01-01T00:00:00.000Z", "2000-01-02T00:00:00.000Z"
        probe = StreamSlice(
            partition={}, cursor_slice={START: moment, END: moment}, extra_fields={READ_TO: later}
        )
        params = requester.get_request_params(stream_slice=probe)
        filters = str(params.get("filters"))
        if f'{CURSOR_FIELD}:lte:"{later}"' not in filters:
            return None
        split = params.get("sort") == f"{CURSOR_FIELD}:asc"
        return cls(name, cursor, retriever, order, split=split, windows=windows)

    def stream_slices(self) -> Iterable[StreamSlice]:
        # The stretches left to read, taken at once: the cursor walks its saved intervals by index
        # as it goes, and windows closed (or saved, `checkpoints.py`) meanwhile merge them.
        self._sync_windows.add(self)
        try:
            for window in list(self._cursor.stream_slices()):
                yield from self._windows(window)
        finally:
            self._sync_windows.remove(self)

    def _windows(self, window: StreamSlice) -> Iterator[StreamSlice]:
        lower, upper = window.cursor_slice.get(START), window.cursor_slice.get(END)
        end = parse_timestamp(upper)
        if parse_timestamp(lower) is None or end is None:
            yield window
            return
        if not self.split:
            yield self._slice(window, lower, upper)
            return
        previous: PageSpan | None = None
        first: PageSpan | None = None
        for count in range(1, MAX_WINDOWS + 1):
            piece = self._slice(window, lower, upper)
            params = dict(self._paginator.get_request_params(stream_slice=piece)) if self._paginator else {}
            response = self._requester.send_request(stream_slice=piece, request_params=params)
            body = parsed_body(response) if response is not None else None
            records = body.get("results") if isinstance(body, Mapping) else None
            if response is None or not isinstance(records, list):
                yield piece
                return
            more = bool(body.get("nextPage"))
            if not records and not more:
                return  # nothing from here to the end
            # The window's reader gets this answer as its first page instead of asking again.
            replays = Replays.of(cdk.requester_session(self._requester))
            replays.keep(response)
            # Once the stream's pages came out of order, the rest is one window read to BILL's end.
            sized = more and count < MAX_WINDOWS and not self._order.unordered
            page = PageSpan.of(records) if sized else None
            first = first or page
            cut = end
            if page is not None:
                size = int(params.get("max") or len(records))
                own = records_left(page, first, (end - page.oldest).total_seconds()) / size
                cut = window_cut(
                    page, previous, end, size, first, self._sync_windows.left_elsewhere(self, own)
                )
            if cut >= end:
                self._sync_windows.opened(piece)
                yield piece
                return
            cut_off = self._slice(window, lower, format_cursor(cut - MILLISECOND))
            self._sync_windows.opened(cut_off)
            yield cut_off
            if count == 1:
                logger.info(
                    f"Stream {self._stream_name}: reading {lower} to {upper} in windows, in parallel."
                )
            lower, previous = format_cursor(cut), page
            # Cut ahead of the readers by a window only: each keeps its first page meanwhile.
            if not self._sync_windows.wait_for_room():
                logger.info(f"Stream {self._stream_name}: no window closed for a while; cutting on.")

    @staticmethod
    def _slice(window: StreamSlice, lower: str, upper: str) -> StreamSlice:
        # Asked up to the whole second after the stretch's end: a BILL that drops the bound's
        # milliseconds then still returns every record up to the end (the filter drops the rest).
        end = parse_timestamp(window.cursor_slice[END])
        read_to = format_cursor(whole_second_from(end)) if end is not None else window.cursor_slice[END]
        return WindowSlice(
            partition=window.partition,
            cursor_slice={START: lower, END: upper},
            extra_fields={**window.extra_fields, READ_TO: read_to},
        )


class WindowSlice(StreamSlice):
    """A window's slice, hashed once.

    The CDK's cursor keys the newest `updatedTime` of each window by its slice, looked up and stored
    for every record (`ConcurrentCursor.observe`), and a `StreamSlice` hashes the JSON of its keys
    with SHA-256 each time (7 µs, twice a record). A slice cannot change, so its hash is kept; it is
    the `StreamSlice` hash, and equality is the `StreamSlice`'s.
    """

    _bill_hash: int | None = None

    def __hash__(self) -> int:
        if self._bill_hash is None:
            self._bill_hash = super().__hash__()
        return self._bill_hash
