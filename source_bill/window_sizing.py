"""Where a window of an `updatedTime` list ends, from the density of its first page.

A window holds a quarter of the pages estimated left to cut in the sync (this stream's and the
other streams'), from 4 to 32 pages: large windows while much is left, small ones at the end, so
that the last windows read in parallel finish together.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .client.timestamps import parse_timestamp
from .windows import CURSOR_FIELD, whole_second

#: A window holds `1 / WINDOWS_AHEAD` of the pages estimated left, and from `PAGES_PER_WINDOW` to
#: `MAX_PAGES_PER_WINDOW` pages (see `window_cut`).
PAGES_PER_WINDOW = 4
MAX_PAGES_PER_WINDOW = 32
WINDOWS_AHEAD = 4
#: The first window of a list spans at most this share of the time left (see `window_cut`).
FIRST_WINDOW_SHARE = 1 / WINDOWS_AHEAD
MILLISECOND = timedelta(milliseconds=1)
_MIN_SPAN_SECONDS = 1.0


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
    pages = (records_left(page, first, left) / page_size + elsewhere) / WINDOWS_AHEAD
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
        whole_second(page.oldest + timedelta(seconds=seconds)), whole_second_from(page.newest + MILLISECOND)
    )


def records_left(page: PageSpan, first: PageSpan | None, left: float) -> float:
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


def whole_second_from(moment: datetime) -> datetime:
    """The first whole second at or after `moment`."""
    second = whole_second(moment)
    return second if second == moment else second + timedelta(seconds=1)
