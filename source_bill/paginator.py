"""`BillCursorPagination`: BILL's `nextPage` cursors, as the CDK's pagination strategy.

The cursor rules (page-size caps per endpoint, the repeated-cursor guard) live in
`client.pagination`; this class adapts them to the CDK, says once per stream when BILL's pages
deviate, and stops a window's walk at the window's end once `windows.WindowWalks` has proved
BILL's order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

import requests
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import (
    PaginationStrategy,
)
from airbyte_cdk.sources.types import Config, Record, StreamSlice

from .bodies import parsed_body
from .client.pagination import RepeatedCursorError, ThreadCursorGuards, clamp_page_size, next_cursor
from .context import as_traced
from .windows import WindowWalks

logger = logging.getLogger("airbyte")


@dataclass
class BillCursorPagination(PaginationStrategy):
    """Follows `nextPage` until it is absent or null; refuses a cursor seen earlier in the walk.

    `endpoint` (the request path, e.g. `/v3/spend/transactions`) caps the page size.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    page_size: int | str | None = None
    endpoint: str = ""
    #: Set by `tuning.tune_streams` on lists read in updatedTime windows (`windows.py`).
    window_walks: WindowWalks | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        requested = self.page_size
        if isinstance(requested, str):
            requested = InterpolatedString.create(requested, parameters=parameters).eval(self.config)
        self._page_size = clamp_page_size(self.endpoint or "/v3/", int(requested) if requested else None)
        self._stream = str(parameters.get("name") or self.endpoint)
        self._guards = ThreadCursorGuards()
        self._said: set[str] = set()

    @property
    def initial_token(self) -> Any | None:
        return None

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Record | None,
        last_page_token_value: Any | None = None,
        page_size_override: int | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> Any | None:
        try:
            page = parsed_body(response)
        except ValueError:
            return None
        cursor = next_cursor(page)
        if cursor is None:
            return None
        if self.window_walks is not None and self.window_walks.may_stop(stream_slice):
            return None  # checked: the rest of the list lies past this window's end (`windows.py`)
        results = page.get("results") if isinstance(page, Mapping) else None
        first_page = last_page_token_value is None
        empty = isinstance(results, list) and not results
        if empty:
            self._say(
                "empty page",
                "BILL sent an empty page that still carries a nextPage cursor; it is followed once, and "
                "a second empty page ends the walk.",
            )
        elif isinstance(results, list) and len(results) < self._page_size:
            self._say(
                "page size",
                f"BILL sent {len(results)} records on a page that is not the last, when {self._page_size} "
                "were asked for; the cursor is followed to the end as usual.",
            )
        try:
            return self._guards.follow(cursor, first_page=first_page, what=self._stream, empty_page=empty)
        except RepeatedCursorError as error:
            raise as_traced(error, None, self._stream) from None

    def _say(self, deviation: str, message: str) -> None:
        if deviation not in self._said:
            self._said.add(deviation)
            logger.warning(f"Stream {self._stream}: {message}")

    def get_page_size(self) -> int | None:
        return self._page_size
