"""The streams the manifest built, tuned for BILL before the sync reads them (`tune_streams`).

BILL answers at most 3 requests at once per developer key and organization, and 100 records a
page; no client reads P pages at latency L faster than P x L / 3. To stay close to that, every
request of the sync, the login included, holds one of 3 shared slots (`client.gate`) exactly
while it is on the wire, and slots are served first come, first served. The CDK runs more worker
threads than slots, so a thread busy with the page it just received never leaves a slot idle.

Lists BILL filters and sorts on `updatedTime` get their window slicer (`window_slicer.py`), the
checks of BILL's order (`windows.py`) and state saves inside windows (`checkpoints.py`); every
requester and cursor gets the per-request savings of `environment_settings.py`, `call_budget.py`
and `cursor_timestamps.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

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
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import cdk_internals as cdk
from .call_budget import light_call_budget
from .checkpoints import WindowCheckpoints, records_between_saves
from .client.gate import gate_session
from .client.limits import MAX_PAGE_SIZE
from .client.thread_switching import THREAD_SWITCHING
from .context import bill_context
from .cursor_timestamps import fast_timestamps
from .environment_settings import remember_environment
from .paginator import BillCursorPagination
from .sync_windows import windows_of
from .window_slicer import UpdatedTimeWindows
from .windows import BillWindowFilter, WindowOrder, WindowWalks


def read_many_organizations() -> None:
    """This process reads several organizations side by side (a child of a sync of many): keep
    Python's 5 ms switch interval throughout. With five organizations' 45 threads in one process,
    switching every millisecond cost about a sixth more CPU and wall time in `make bench` scenario 8
    (39 against 33 s, three and four runs), and an organization's slot waits on its own threads less
    than on the others'."""
    THREAD_SWITCHING.hold()


def tune_streams(streams: Iterable[Any], config: Mapping[str, Any]) -> None:
    """Gate every request of `streams` and split their `updatedTime` windows (in place)."""
    try:
        context = bill_context(config)
    except AirbyteTracedException:
        return  # no usable credentials: nothing will be read (discover and spec need no tuning)
    gate = context.gate()
    THREAD_SWITCHING.start()  # every millisecond while the sync waits on BILL
    sync_windows = windows_of(context.session_key)  # this organization's
    sync_windows.reset()
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
            windows = UpdatedTimeWindows.for_stream(stream.name, generator, order, sync_windows)
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
