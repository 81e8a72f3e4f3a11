"""How a sync spreads its requests over BILL's three request slots.

BILL answers at most 3 requests at once per developer key and organization, and 100 records a
page; no client reads P pages at latency L faster than P x L / 3. To stay close to that:

* Every request of the sync, the login included, holds one of 3 shared slots (`client.gate`)
  exactly while it is on the wire, and slots are served first come, first served. The CDK runs
  more worker threads than slots, so a thread busy with the page it just received never leaves a
  slot idle.
* A list BILL filters and sorts on `updatedTime` is read from the state (or the start date) to
  now, in windows cut as it goes. The first page from a point onwards is fetched ahead:
  - empty: nothing is left to read (one request in all for an empty list);
  - the last page: the window runs to the end, and its reader gets that answer as its first
    page instead of asking again (one request in all for a list of one page, e.g. the
    incremental sync of a list where nothing changed);
  - otherwise the page's time span gives the density of records there, the window ends after
    a quarter of the pages estimated left to cut in the sync, this stream's and the other streams'
    (from 4 to 32 pages, at a whole second; the density there grown as it grew since the stream's
    first page), and the next first page is fetched from that point. Each window
    asks for records up to now (so that its first request is the one made ahead) and stops at its
    end once a page proves the rest lies past it (`windows.py`); no page is fetched only to size
    them. Once a page of the stream came out of order, the rest is one window.
  - the sync has `OPEN_WINDOWS` windows being read at once, all streams together (one reader more
    than BILL's slots: while one handles the page it just received, three are on the wire), and
    one more cut, its first page in hand. Few windows at once keep each one walking at most of a
    slot's pace (a large window among twenty walked at a seventh of one and finished alone at the
    end); windows shrink as the sync's end nears, so the last ones finish together. Each window
    costs about half a page more than its records (its last page reaches past its end).
* Streams read one request per parent record (customer bank accounts, partner users and roles)
  are started last: their many one-page partitions fill the slots while the last windows of the
  large lists finish, instead of queueing ahead of them.

Windows are contiguous and inclusive on both ends (`gte`/`lte`, one millisecond apart), so the
CDK's cursor merges them back into one interval: the state stays a single timestamp, and only
advances over windows read completely.
"""

from __future__ import annotations

import itertools
import logging
import math
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from airbyte_cdk.sources.declarative.partition_routers.substream_partition_router import (
    SubstreamPartitionRouter,
)
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.stream_slicers.declarative_partition_generator import (
    StreamSlicerPartitionGenerator,
)
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.streams.concurrent.default_stream import DefaultStream
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import cdk_internals as cdk
from . import windows
from .checkpoints import WindowCheckpoints, records_between_saves
from .client.gate import gate_session
from .client.limits import MAX_PAGE_SIZE
from .client.timestamps import format_cursor, parse_timestamp
from .components import BillCursorPagination, bill_context, forget_parsed_body, parsed_body
from .windows import (
    CURSOR_FIELD,
    END,
    READ_TO,
    START,
    BillWindowFilter,
    WindowOrder,
    WindowWalks,
    whole_second,
)

logger = logging.getLogger("airbyte")

#: A window holds `1 / WINDOWS_AHEAD` of the pages estimated left, and from `PAGES_PER_WINDOW` to
#: `MAX_PAGES_PER_WINDOW` pages (see `window_cut`).
PAGES_PER_WINDOW = 4
MAX_PAGES_PER_WINDOW = 32
WINDOWS_AHEAD = 4
#: The first window of a list spans at most this share of the time left (see `window_cut`).
FIRST_WINDOW_SHARE = 1 / WINDOWS_AHEAD
#: Seconds a thread runs before the interpreter lets another one take over (Python's default: 0.005).
SWITCH_INTERVAL = 0.001
#: Windows being read at once, all streams together, and cut ahead of them (each keeps its first page
#: in memory until its reader starts): one more reader than BILL's request slots, so that a reader busy
#: with the page it just received leaves no slot idle.
OPEN_WINDOWS = 4
WINDOWS_READY = 1
#: A window read for longer than this is no longer waited for (a window whose read failed never closes).
_WAIT_FOR_READERS_SECONDS = 20.0
#: After this many windows, the last one runs to the end.
MAX_WINDOWS = 256
_MILLISECOND = timedelta(milliseconds=1)
_MIN_SPAN_SECONDS = 1.0


# -- wiring ----------------------------------------------------------------------------------


def tune_streams(streams: Iterable[Any], config: Mapping[str, Any]) -> None:
    """Gate every request of `streams` and split their `updatedTime` windows (in place)."""
    try:
        context = bill_context(config)
    except AirbyteTracedException:
        return  # no usable credentials: nothing will be read (discover and spec need no tuning)
    gate = context.gate()
    quick_thread_switches()
    _WINDOWS.reset()
    page_size = int(config.get("page_size") or MAX_PAGE_SIZE)  # the config has its default filled in
    for stream in streams:
        if not isinstance(stream, DefaultStream):
            continue
        for requester in _requesters(stream):
            session = cdk.requester_session(requester)
            if isinstance(session, requests.Session):
                gate_session(session, gate)
                remember_environment(session)
            light_call_budget(cdk.requester_call_budget(requester))
        if isinstance(stream.cursor, ConcurrentCursor):
            fast_timestamps(stream.cursor)
            cdk.freeze_cursor_end(stream.cursor)
        generator = cdk.partition_generator(stream)
        if isinstance(generator, StreamSlicerPartitionGenerator):
            order = WindowOrder(stream.name)
            windows = UpdatedTimeWindows.for_stream(stream.name, generator, order)
            if windows is None or not cdk.replace_generator_slicer(generator, windows):
                continue
            walks = _check_pages(generator, order) if windows.split else None
            if walks is not None:
                WindowCheckpoints.install(stream.cursor, records_between_saves(page_size), walks)


def _check_pages(generator: Any, order: WindowOrder) -> WindowWalks | None:
    """Give the stream's record filter and paginator the checks of `windows.py`."""
    retriever = cdk.generator_retriever(generator)
    selector = getattr(retriever, "record_selector", None)
    record_filter = getattr(selector, "record_filter", None)
    if not isinstance(record_filter, BillWindowFilter):
        return None
    walks = record_filter.window_walks = WindowWalks(order)
    strategy = getattr(getattr(retriever, "paginator", None), "pagination_strategy", None)
    if isinstance(strategy, BillCursorPagination):
        strategy.window_walks = walks
    return walks


def remember_environment(session: requests.Session) -> None:
    """Read the proxy and CA settings of the environment once per host, not once per request.

    The CDK asks the session for them before every request (`merge_environment_settings`), and
    requests then walks every environment variable twice to find proxies and their exceptions: a
    third of the CDK's CPU per request, for an answer that does not change during a sync. Asked with
    proxies of its own, the session answers as before.
    """
    merge = session.merge_environment_settings
    if getattr(merge, "bill_remembered", False):
        return
    remembered: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if proxies:
            return merge(url, proxies, stream, verify, cert)
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, stream, verify, cert)
        try:
            settings = remembered.get(key)
        except TypeError:  # an unhashable setting
            return merge(url, proxies, stream, verify, cert)
        if settings is None:
            settings = remembered[key] = merge(url, proxies, stream, verify, cert)
        return {**settings, "proxies": dict(settings["proxies"] or {})}

    merge_environment_settings.bill_remembered = True  # type: ignore[attr-defined]
    session.merge_environment_settings = merge_environment_settings  # type: ignore[method-assign]


def quick_thread_switches() -> None:
    """Let a thread that got its answer, or a request slot, run within a millisecond.

    Every reading thread and the thread that writes messages share one interpreter lock. A thread
    woken by the network (its page has come) or by the request gate (a slot is free) waits for the
    lock until the running thread has used up the switch interval, 5 ms by default, and a request
    cycle needs several such turns: a slot then sat idle about 8 ms between one request's answer and
    the next request (`seconds with 0/1/2/3 in flight` in `make bench`). At 1 ms, the 2-in-flight
    time of scenario 6 dropped by a third; the CPU cost of the extra switches is not measurable.
    """
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)


def light_call_budget(budget: Any) -> None:
    """Keep the CDK's call budget from holding every request of the last hour in memory.

    A moving-window policy records each call as a pyrate_limiter `RateItem` named by what it is
    given, and the CDK gives it the `PreparedRequest`: up to `hourly_request_budget` requests,
    headers and URL and all, stay in memory for an hour (a tenth of the connector's peak memory
    after 5,000 requests). The budget only counts and times calls, so they are recorded by name.
    """
    for policy in cdk.budget_policies(budget):
        factory = cdk.policy_bucket_factory(policy)
        wrap_item = getattr(factory, "wrap_item", None)
        if wrap_item is None or getattr(wrap_item, "bill_light", False):
            continue

        def light_wrap_item(name: Any, weight: int = 1, _wrap: Any = wrap_item) -> Any:
            return _wrap("call", weight)

        light_wrap_item.bill_light = True  # type: ignore[attr-defined]
        factory.wrap_item = light_wrap_item  # type: ignore[union-attr]


def fast_timestamps(cursor: ConcurrentCursor) -> None:
    """Let the cursor read BILL's `yyyy-MM-ddTHH:mm:ss.SSS+HH:MM` with `datetime.fromisoformat`.

    The cursor parses the `updatedTime` of every record with `strptime`, trying each of the
    manifest's `cursor_datetime_formats`; that was a tenth of the connector's CPU time. For a
    string of exactly BILL's shape, `fromisoformat` gives the same aware datetime as the first of
    those formats (`%Y-%m-%dT%H:%M:%S.%f%z`); anything else still goes through the formats. The
    record filter of a windowed list has just parsed the same string (`windows.record_time`): its
    datetime is taken as it is.
    """
    converter = cdk.cursor_state_converter(cursor)
    parse = getattr(converter, "parse_timestamp", None)
    if parse is None or getattr(parse, "bill_fast", False):
        return

    def parse_timestamp(value: Any) -> Any:
        last = windows.last_parsed
        if last[0] is value:
            return last[1]  # the record filter parsed this very string (`windows.record_time`)
        if (
            type(value) is str
            and len(value) == 29
            and value[19] == "."
            and value[23] in "+-"
            and value[26] == ":"
        ):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        return parse(value)

    parse_timestamp.bill_fast = True  # type: ignore[attr-defined]
    converter.parse_timestamp = parse_timestamp  # type: ignore[union-attr]


def schedule(streams: Sequence[Any]) -> list[Any]:
    """`streams` in the order to start them: streams with a parent stream last (stable)."""
    return sorted(streams, key=_has_parent)


def _has_parent(stream: Any) -> bool:
    generator = cdk.partition_generator(stream)
    return isinstance(cdk.generator_slicer(generator), SubstreamPartitionRouter)


def _requesters(stream: DefaultStream) -> Iterator[HttpRequester]:
    """The requesters a stream reads through, its parent streams' included."""
    generator = cdk.partition_generator(stream)
    requester = getattr(cdk.generator_retriever(generator), "requester", None)
    if isinstance(requester, HttpRequester):
        yield requester
    slicer = cdk.generator_slicer(generator)
    if isinstance(slicer, SubstreamPartitionRouter):
        for parent in slicer.parent_stream_configs:
            if isinstance(parent.stream, DefaultStream):
                yield from _requesters(parent.stream)


# -- answers read ahead ----------------------------------------------------------------------


class Replays:
    """Answers fetched ahead, each handed back once for the same request (method, URL, query).

    Installed on a session's `send`, above the HTTP adapters (and the CDK's call budget: a
    replayed answer costs no call).
    """

    def __init__(self, session: requests.Session) -> None:
        self._send = session.send
        self._kept: dict[tuple[str, str, str], requests.Response] = {}
        self._lock = threading.Lock()
        session.send = self.send  # type: ignore[method-assign]
        session.bill_replays = self  # type: ignore[attr-defined]

    @classmethod
    def of(cls, session: requests.Session) -> Replays:
        existing = getattr(session, "bill_replays", None)
        return existing if isinstance(existing, Replays) else cls(session)

    def keep(self, response: requests.Response) -> None:
        key = _request_key(response.request)
        if key is not None:
            forget_parsed_body(response)  # parsed again when handed back; keeps the bytes only
            with self._lock:
                self._kept[key] = response

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self._kept:
            key = _request_key(request)
            with self._lock:
                kept = self._kept.pop(key, None) if key else None
            if kept is not None:
                kept.request = request
                return kept
        return self._send(request, **kwargs)


def _request_key(request: requests.PreparedRequest | None) -> tuple[str, str, str] | None:
    if request is None or not request.method or not request.url:
        return None
    parts = urlsplit(request.url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return request.method, f"{parts.scheme}://{parts.netloc}{parts.path}", query


# -- windows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpan:
    """A full page of a list sorted on updatedTime: its record count and time span."""

    records: int
    oldest: datetime
    newest: datetime

    @classmethod
    def of(cls, records: list[Any]) -> PageSpan | None:
        """The page's span, or None when it cannot size a window: fewer than two records, one without
        an updatedTime, or records out of order to the second (BILL did not sort them)."""
        moments = [parse_timestamp(r.get(CURSOR_FIELD)) if isinstance(r, Mapping) else None for r in records]
        if len(moments) < 2 or any(moment is None for moment in moments):
            return None
        seconds = [whole_second(moment) for moment in moments]  # type: ignore[union-attr]
        if any(later < earlier for earlier, later in itertools.pairwise(seconds)):
            return None
        return cls(len(records), min(moments), max(moments))  # type: ignore[type-var]

    @property
    def density(self) -> float:
        """Records per second."""
        return (self.records - 1) / max((self.newest - self.oldest).total_seconds(), _MIN_SPAN_SECONDS)


def window_cut(
    page: PageSpan,
    previous: PageSpan | None,
    end: datetime,
    page_size: int,
    first: PageSpan | None = None,
    elsewhere: float = 0.0,
) -> datetime:
    """Where the window that starts with `page` should end.

    A window holds `1 / WINDOWS_AHEAD` of the pages left to cut in the sync (this stream's up to
    `end` at the page's density, and `elsewhere`, the other streams'), and from `PAGES_PER_WINDOW`
    to `MAX_PAGES_PER_WINDOW` pages: large windows while much is left, small ones at the end of the
    sync, so that the last windows read in parallel finish together. Where the
    density grew since the first page of the previous window, the window is shortened to what that
    growth puts in it (never lengthened: a density measured on one page is noisy). The first window
    gets at most `FIRST_WINDOW_SHARE` of the time left: a list of a growing business is sparse at
    its start, and its first page alone would make the first window far too long. The cut is a
    whole millisecond after the page's last record (a window holds at least its first page); `end`
    means one window to the end.
    """
    density = page.density
    left = (end - page.oldest).total_seconds()
    pages = (_records_left(page, first, left) / page_size + elsewhere) / WINDOWS_AHEAD
    target = min(MAX_PAGES_PER_WINDOW, max(PAGES_PER_WINDOW, pages)) * page_size
    seconds = target / density
    if previous is None:
        seconds = min(seconds, left * FIRST_WINDOW_SHARE)
    else:
        elapsed = (page.oldest - previous.oldest).total_seconds()
        if elapsed > 0 and density > previous.density:
            growth = math.log(density / previous.density) / elapsed
            seconds = min(seconds, math.log1p(growth * target / density) / growth)
    if seconds >= left:
        return end
    # At a whole second, after the page's last record: a window's end is then the last millisecond of
    # a second, and a record in a later second lies past it even where BILL sorts to the second only.
    return max(
        whole_second(page.oldest + timedelta(seconds=seconds)), _whole_second_from(page.newest + _MILLISECOND)
    )


def _records_left(page: PageSpan, first: PageSpan | None, left: float) -> float:
    """The records estimated in the `left` seconds after `page`: at the page's density, growing (or
    shrinking) at the rate seen since `first`, the stream's first sized page (at most e^5 times)."""
    density = page.density
    elapsed = (page.oldest - first.oldest).total_seconds() if first is not None else 0.0
    if first is None or elapsed <= 0:
        return density * left
    rate = math.log(density / first.density) / elapsed
    exponent = max(-20.0, min(5.0, rate * left))
    if abs(exponent) < 1e-9:
        return density * left
    return density * math.expm1(exponent) / (exponent / left)


def _whole_second_from(moment: datetime) -> datetime:
    """The first whole second at or after `moment`."""
    second = whole_second(moment)
    return second if second == moment else second + timedelta(seconds=1)


class _Windows:
    """The windows of the sync: the pages each slicer has left to cut, and the windows cut and not
    closed yet.

    Every windowed stream of a sync shares `OPEN_WINDOWS` walks (plus `WINDOWS_READY` cut ahead):
    BILL's 3 slots are shared by all streams, and each open window walks at its share of them, so a
    large window among many open ones would walk slowly and finish alone at the end of the sync.
    """

    def __init__(self) -> None:
        self._left: dict[int, float] = {}  # id() of a slicer cutting windows -> its pages left to cut
        self._open: set[int] = set()  # id() of the windows cut and not closed yet
        self._changed = threading.Condition()

    def reset(self) -> None:
        """Forget the windows of an earlier sync in this process (one that failed leaves some open)."""
        with self._changed:
            self._open.clear()
            self._changed.notify_all()

    def add(self, slicer: object) -> None:
        with self._changed:
            self._left[id(slicer)] = 0.0

    def remove(self, slicer: object) -> None:
        with self._changed:
            self._left.pop(id(slicer), None)

    def left_elsewhere(self, slicer: object, pages: float) -> float:
        """Note that `slicer` has about `pages` pages left to cut; the pages the others have left."""
        with self._changed:
            self._left[id(slicer)] = pages
            return sum(left for key, left in self._left.items() if key != id(slicer))

    def opened(self, window: object) -> None:
        with self._changed:
            self._open.add(id(window))

    def closed(self, window: object) -> None:
        with self._changed:
            self._open.discard(id(window))
            self._changed.notify_all()

    def wait_for_room(self) -> bool:
        """Wait until fewer windows are open than walked at once plus those cut ahead (False after
        `_WAIT_FOR_READERS_SECONDS`: a window whose read failed is never closed)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self._open) < OPEN_WINDOWS + WINDOWS_READY, _WAIT_FOR_READERS_SECONDS
            )


_WINDOWS = _Windows()


class UpdatedTimeWindows:
    """Stream slicer for a list BILL filters and sorts on `updatedTime` (see the module doc)."""

    def __init__(
        self,
        stream_name: str,
        cursor: ConcurrentCursor,
        retriever: Any,
        order: WindowOrder,
        split: bool = True,
    ) -> None:
        #: False for a list BILL filters on updatedTime but does not sort by it: read in the cursor's
        #: slices as they are, each asked up to the whole second after its end.
        self.split = split
        self._stream_name = stream_name
        self._cursor = cursor
        self._requester: HttpRequester = retriever.requester
        self._paginator = retriever.paginator
        self._order = order
        if split:
            self._watch_closes()

    def _watch_closes(self) -> None:
        """Count the stream's windows closed by the CDK (its cursor closes each window read)."""
        close = self._cursor.close_partition

        def close_partition(partition: Any) -> None:
            try:
                close(partition)
            finally:
                _WINDOWS.closed(partition.to_slice())

        self._cursor.close_partition = close_partition  # type: ignore[method-assign]

    @classmethod
    def for_stream(
        cls, name: str, generator: StreamSlicerPartitionGenerator, order: WindowOrder
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
        return cls(name, cursor, retriever, order, split=params.get("sort") == f"{CURSOR_FIELD}:asc")

    def stream_slices(self) -> Iterable[StreamSlice]:
        # The stretches left to read, taken at once: the cursor walks its saved intervals by index
        # as it goes, and windows closed (or saved, `checkpoints.py`) meanwhile merge them.
        _WINDOWS.add(self)
        try:
            for window in list(self._cursor.stream_slices()):
                yield from self._windows(window)
        finally:
            _WINDOWS.remove(self)

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
                own = _records_left(page, first, (end - page.oldest).total_seconds()) / size
                cut = window_cut(page, previous, end, size, first, _WINDOWS.left_elsewhere(self, own))
            if cut >= end:
                _WINDOWS.opened(piece)
                yield piece
                return
            cut_off = self._slice(window, lower, format_cursor(cut - _MILLISECOND))
            _WINDOWS.opened(cut_off)
            yield cut_off
            if count == 1:
                logger.info(
                    f"Stream {self._stream_name}: reading {lower} to {upper} in windows, in parallel."
                )
            lower, previous = format_cursor(cut), page
            # Cut ahead of the readers by a window only: each keeps its first page meanwhile.
            if not _WINDOWS.wait_for_room():
                logger.info(f"Stream {self._stream_name}: no window closed for a while; cutting on.")

    @staticmethod
    def _slice(window: StreamSlice, lower: str, upper: str) -> StreamSlice:
        # Asked up to the whole second after the stretch's end: a BILL that drops the bound's
        # milliseconds then still returns every record up to the end (the filter drops the rest).
        end = parse_timestamp(window.cursor_slice[END])
        read_to = format_cursor(_whole_second_from(end)) if end is not None else window.cursor_slice[END]
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
