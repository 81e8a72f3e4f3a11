"""Where a window ends (source_bill/window_sizing.py): its share of the pages left in the sync,
its bounds, and the density's growth."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from source_bill.window_sizing import (
    FIRST_WINDOW_SHARE,
    MAX_PAGES_PER_WINDOW,
    PAGES_PER_WINDOW,
    WINDOWS_AHEAD,
    PageSpan,
    window_cut,
)
from unit_tests.bill_list import UTC


def _span(start: datetime, seconds_per_record: float, records: int = 100) -> PageSpan:
    return PageSpan(records, start, start + timedelta(seconds=seconds_per_record * (records - 1)))


def test_window_cut_holds_pages_per_window_when_little_is_left():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    first = _span(start, 60.0)
    second = _span(start + timedelta(hours=20), 60.0)
    end = second.oldest + timedelta(hours=20)  # 1,200 records left at one a minute: 12 pages

    cut = window_cut(second, first, end, 100, first)

    seconds = (cut - second.oldest).total_seconds()
    assert seconds == pytest.approx(PAGES_PER_WINDOW * 100 * 60.0, rel=0.01)


def test_window_cut_holds_at_most_max_pages_when_much_is_left():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=365)
    first = _span(start, 60.0)
    second = _span(start + timedelta(hours=20), 60.0)

    cut = window_cut(second, first, end, 100, first)

    seconds = (cut - second.oldest).total_seconds()
    assert seconds == pytest.approx(MAX_PAGES_PER_WINDOW * 100 * 60.0, rel=0.01)


def test_window_cut_holds_a_share_of_what_is_left_in_between():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    first = _span(start, 60.0)
    second = _span(start + timedelta(hours=20), 60.0)
    end = second.oldest + timedelta(minutes=8_000)  # 80 pages left

    cut = window_cut(second, first, end, 100, first)

    assert (cut - second.oldest) / (end - second.oldest) == pytest.approx(1 / WINDOWS_AHEAD, rel=0.01)


def test_window_cut_counts_the_pages_other_streams_have_left_to_cut():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    first = _span(start, 60.0)
    second = _span(start + timedelta(hours=20), 60.0)
    end = second.oldest + timedelta(minutes=8_000)  # 80 pages left in this stream: windows of 20

    alone = window_cut(second, first, end, 100, first)
    among_others = window_cut(second, first, end, 100, first, elsewhere=48.0)  # 128 pages in the sync

    assert (alone - second.oldest).total_seconds() == pytest.approx(20 * 100 * 60.0, rel=0.01)
    assert (among_others - second.oldest).total_seconds() == pytest.approx(32 * 100 * 60.0, rel=0.01)


def test_window_cut_growth_since_the_first_page_means_more_left_and_larger_windows():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    first = _span(start, 120.0)
    later = _span(start + timedelta(days=2), 60.0)  # twice as dense two days later
    end = later.oldest + timedelta(days=2)

    steady = window_cut(later, later, end, 100, _span(start, 60.0))
    growing = window_cut(later, later, end, 100, first)

    assert growing > steady  # more records expected ahead: a larger share of them per window


def test_window_cut_first_window_takes_at_most_its_share_of_the_time_left():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=40)
    sparse = _span(start, 3600.0)  # 100 records over 4 days: 4 pages at that density take 17 days

    cut = window_cut(sparse, None, end, 100)

    assert cut == (start + (end - start) * FIRST_WINDOW_SHARE).replace(microsecond=0)


def test_window_cut_growth_shortens_the_window():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=365)
    first = _span(start, 120.0)
    later = _span(start + timedelta(days=1), 60.0)  # twice as dense a day later

    steady = window_cut(later, _span(start, 60.0), end, 100)
    growing = window_cut(later, first, end, 100)
    shrinking = window_cut(later, _span(start, 30.0), end, 100)

    assert growing < steady
    assert shrinking == steady  # never longer than at the page's own density


def test_window_cut_always_holds_its_first_page_and_ends_on_a_millisecond():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    page = PageSpan(100, start, start + timedelta(seconds=5, microseconds=123456))

    cut = window_cut(page, None, start + timedelta(seconds=6), 100)

    assert cut >= page.newest
    assert cut.microsecond % 1000 == 0


def test_window_cut_of_a_small_rest_is_the_end():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = start + timedelta(minutes=5)  # 300 records left, fewer than a window
    assert window_cut(_span(start, 1.0), _span(start - timedelta(hours=1), 1.0), end, 100) == end
