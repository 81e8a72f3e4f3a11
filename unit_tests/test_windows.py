"""Nothing lost when BILL differs from its documents (source_bill/windows.py): every shortcut of the
window reader is checked, and a list that breaks its assumption is read in full, once, with a warning.

The in-memory lists below deviate from BILL's documents one way each, like the emulator's deviation
knobs (`emulator_tests/test_deviations.py`, `integration_tests/test_deviations.py`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from airbyte_cdk.sources.types import StreamSlice

from source_bill.paginator import BillCursorPagination
from source_bill.windows import BillWindowFilter, WindowOrder, WindowWalks
from unit_tests.bill_list import (
    NOW_MS,
    FakeList,
    growing_records,
    parse_time,
    read_list,
    record_ids,
    unread_before,
)

#: Records of distinct times in order that prove BILL's sort (`windows.EVIDENCE_TO_TRUST`).
STEPS_TO_TRUST = 20
START = "2025-01-01T00:00:00.000Z"
END = "2025-01-31T23:59:59.999Z"


def _window(start: str = START, end: str = END) -> StreamSlice:
    return StreamSlice(
        partition={}, cursor_slice={"start_time": start, "end_time": end}, extra_fields={"read_to": NOW_MS}
    )


def _records(*times: str) -> list[dict[str, Any]]:
    return [{"id": f"r{index}", "updatedTime": moment} for index, moment in enumerate(times)]


def _wired(stream: str = "invoices") -> tuple[BillWindowFilter, BillCursorPagination, WindowOrder]:
    order = WindowOrder(stream)
    walks = WindowWalks(order)
    record_filter = BillWindowFilter(config={}, parameters={}, window_walks=walks)
    pagination = BillCursorPagination(config={}, parameters={"name": stream}, page_size=100)
    pagination.window_walks = walks
    return record_filter, pagination, order


def _response(body: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    return response


def _read_page(record_filter, pagination, records, window, *, first_page=True, next_page="more"):
    """Filter one page as the CDK does, then ask for the next page's token."""
    token = None if first_page else {"next_page_token": "previous"}
    kept = list(record_filter.filter_records(records, {}, window, token))
    body = {"results": records, **({"nextPage": next_page} if next_page else {})}
    return kept, pagination.next_page_token(
        _response(body), len(kept), None, None if first_page else "previous", stream_slice=window
    )


# -- the record filter -------------------------------------------------------------------------


def test_given_records_outside_the_window_when_filtered_then_only_the_window_is_kept_and_early_ones_named(
    caplog,
):
    record_filter, _, _ = _wired()
    records = _records(
        "2024-12-31T23:59:59.999+00:00",  # before the window: BILL's filter let it through
        "2025-01-01T00:00:00.000+00:00",
        "2025-01-31T23:59:59.999+00:00",
        "2025-02-01T00:00:00.000+00:00",  # the next window's
    )
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        kept = list(record_filter.filter_records(records, {}, _window()))

    assert [r["id"] for r in kept] == ["r1", "r2"]
    assert "before the updatedTime bound" in caplog.text


def test_given_a_record_without_updated_time_when_filtered_then_it_is_kept():
    record_filter, _, _ = _wired()
    assert list(record_filter.filter_records([{"id": "x"}], {}, _window())) == [{"id": "x"}]


def test_given_a_slice_without_bounds_when_filtered_then_everything_is_kept():
    record_filter, _, _ = _wired()
    records = _records("2030-01-01T00:00:00.000+00:00")
    assert (
        list(record_filter.filter_records(records, {}, StreamSlice(partition={}, cursor_slice={}))) == records
    )


# -- early stops ---------------------------------------------------------------------------------


def _ascending(count: int, last: str, step_seconds: int = 60) -> list[str]:
    """`count` BILL timestamps `step_seconds` apart, ending at `last`."""
    end = datetime.fromisoformat(last)
    return [
        (end - timedelta(seconds=step_seconds * (count - 1 - index))).isoformat(timespec="milliseconds")
        for index in range(count)
    ]


def test_given_an_ordered_page_ending_past_the_window_when_paginating_then_the_walk_stops():
    record_filter, pagination, order = _wired()
    page = _records(
        *_ascending(STEPS_TO_TRUST + 1, "2025-01-31T23:50:00.000+00:00"), "2025-02-01T00:00:00.000+00:00"
    )

    kept, token = _read_page(record_filter, pagination, page, _window())

    assert len(kept) == STEPS_TO_TRUST + 1
    assert token is None
    assert not order.unordered


def test_given_too_few_records_to_prove_the_order_when_paginating_then_the_walk_goes_on():
    # A list in no order may put a few records in order by chance: that proves nothing.
    record_filter, pagination, _ = _wired()
    page = _records(
        *_ascending(STEPS_TO_TRUST - 2, "2025-01-31T23:50:00.000+00:00"), "2025-02-01T00:00:00.000+00:00"
    )

    _, token = _read_page(record_filter, pagination, page, _window())

    assert token == "more"


def test_given_the_last_record_in_the_same_second_as_the_window_end_when_paginating_then_the_walk_goes_on():
    # A BILL sorting to the second only may still send a record of that second from this window.
    record_filter, pagination, _ = _wired()
    window = _window(end="2025-01-31T23:59:59.500Z")
    page = _records("2025-01-31T23:59:59.000+00:00", "2025-01-31T23:59:59.900+00:00")

    _, token = _read_page(record_filter, pagination, page, window)

    assert token == "more"


def test_given_a_page_out_of_order_when_paginating_then_the_walk_goes_to_bills_end_and_says_so(caplog):
    record_filter, pagination, order = _wired()
    page = _records("2025-02-05T00:00:00.000+00:00", "2025-01-10T00:00:00.000+00:00")

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        kept, token = _read_page(record_filter, pagination, page, _window())

    assert [r["id"] for r in kept] == ["r1"]
    assert token == "more"
    assert order.unordered
    assert "invoices" in caplog.text and "out of updatedTime order" in caplog.text


def test_given_an_earlier_page_out_of_order_when_a_later_page_ends_past_the_window_then_the_walk_goes_on():
    record_filter, pagination, _ = _wired()
    _read_page(
        record_filter,
        pagination,
        _records("2025-01-20T00:00:00.000+00:00", "2025-01-10T00:00:00.000+00:00"),
        _window(),
    )

    _, token = _read_page(
        record_filter,
        pagination,
        _records("2025-02-03T00:00:00.000+00:00"),
        _window(),
        first_page=False,
        next_page="p3",
    )

    assert token == "p3"


def test_given_pages_in_order_across_the_page_break_only_when_checked_then_a_drop_between_pages_counts():
    record_filter, pagination, order = _wired()
    _read_page(record_filter, pagination, _records("2025-01-20T00:00:00.000+00:00"), _window())

    _, token = _read_page(
        record_filter,
        pagination,
        _records("2025-01-05T00:00:00.000+00:00", "2025-02-03T00:00:00.000+00:00"),
        _window(),
        first_page=False,
        next_page="p3",
    )

    assert order.unordered and token == "p3"


def test_given_a_sort_to_the_second_when_paginating_then_windows_still_stop_and_the_warning_says_so(caplog):
    record_filter, pagination, order = _wired()
    times = _ascending(STEPS_TO_TRUST + 1, "2025-01-31T23:50:00.700+00:00")
    page = _records(*times, "2025-01-31T23:50:00.300+00:00", "2025-02-01T00:00:01.000+00:00")

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        kept, token = _read_page(record_filter, pagination, page, _window())

    assert len(kept) == STEPS_TO_TRUST + 2
    assert token is None
    assert not order.unordered
    assert "to the second only" in caplog.text


# -- BILL's cursor at the end of a list -----------------------------------------------------------


def test_given_an_empty_page_with_a_cursor_when_paginating_then_it_is_followed_once_then_the_walk_ends(
    caplog,
):
    pagination = BillCursorPagination(config={}, parameters={"name": "vendors"}, page_size=100)
    data = _response({"results": [{"id": "v1"}], "nextPage": "a"})
    first_empty = _response({"results": [], "nextPage": "b"})
    second_empty = _response({"results": [], "nextPage": "c"})

    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert pagination.next_page_token(data, 1, None, None) == "a"
        assert pagination.next_page_token(first_empty, 0, None, "a") == "b"
        assert pagination.next_page_token(second_empty, 0, None, "b") is None
    assert "empty page" in caplog.text


def test_given_an_empty_page_repeating_the_last_cursor_when_paginating_then_the_walk_ends():
    pagination = BillCursorPagination(config={}, parameters={"name": "vendors"}, page_size=100)
    assert (
        pagination.next_page_token(_response({"results": [{"id": "v1"}], "nextPage": "a"}), 1, None, None)
        == "a"
    )
    assert pagination.next_page_token(_response({"results": [], "nextPage": "a"}), 0, None, "a") is None


def test_given_a_short_page_that_is_not_the_last_when_paginating_then_it_is_followed_and_named(caplog):
    pagination = BillCursorPagination(config={}, parameters={"name": "vendors"}, page_size=100)
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        token = pagination.next_page_token(
            _response({"results": [{"id": "v1"}], "nextPage": "a"}), 1, None, None
        )
    assert token == "a"
    assert "1 records on a page that is not the last" in caplog.text


# -- whole reads against lists that deviate ------------------------------------------------------


class UnsortedList(FakeList):
    """Accepts `sort=updatedTime:asc` and returns rows in an order of its own (ids read backwards)."""

    def ordered(self, rows):
        return sorted(rows, key=lambda r: r["id"][::-1])


class SecondSortedList(FakeList):
    """Sorts on updatedTime to the second only; ties within a second in reverse id order."""

    def ordered(self, rows):
        return sorted(rows, key=lambda r: (r["updatedTime"][:19], -int(r["id"][3:])))


class CappedList(FakeList):
    """Serves at most 37 rows a page whatever `max` asks."""

    def page_size(self, asked):
        return min(asked, 37)


class SecondFilterList(FakeList):
    """Drops the milliseconds of the updatedTime bounds before comparing."""

    def bound(self, text):
        return parse_time(text).replace(microsecond=0)


class TrailingCursorList(FakeList):
    """Its last page carries a `nextPage`; that page is empty and carries the same one again."""

    trailing_cursor = True


def _same_records(output, records) -> bool:
    return Counter(record_ids(output)) == Counter(r["id"] for r in records)


@pytest.mark.parametrize(
    "list_type", [UnsortedList, SecondSortedList, CappedList, SecondFilterList, TrailingCursorList]
)
def test_given_a_list_that_deviates_when_read_in_windows_then_every_record_once_and_no_error(list_type):
    records = growing_records(3_000)

    output, _ = read_list(records, list_type=list_type)

    assert _same_records(output, records), Counter(record_ids(output)).most_common(3)
    assert not output.errors
    if list_type is not UnsortedList:
        assert unread_before(output, records) == []


def test_given_an_unsorted_list_when_read_then_the_state_never_claims_what_was_not_read_after_disorder_showed():
    records = growing_records(3_000)

    output, _ = read_list(records, list_type=UnsortedList)

    final = output.most_recent_state.stream_state.__dict__
    assert final == {"updatedTime": max(r["updatedTime"] for r in records)[:23] + "Z"}
    assert any("out of updatedTime order" in log.log.message for log in output.logs)


def test_given_an_incremental_read_after_a_full_one_on_a_deviating_list_then_exactly_the_new_records():
    records = growing_records(3_000)
    first, _ = read_list(records, list_type=SecondFilterList)
    state = first.most_recent_state.stream_state.__dict__
    newest = parse_time(max(r["updatedTime"] for r in records))
    later = [
        {
            "id": f"new{index}",
            "updatedTime": (newest + timedelta(milliseconds=1 + 300 * index)).isoformat(
                timespec="milliseconds"
            ),
        }
        for index in range(5)
    ]

    second, _ = read_list(records + later, state=state, list_type=SecondFilterList)

    got = Counter(record_ids(second))
    assert {f"new{index}" for index in range(5)} <= set(got)
    assert set(got) - {r["id"] for r in later} <= {max(records, key=lambda r: r["updatedTime"])["id"]}


def test_window_cuts_are_whole_seconds():
    _, fake = read_list(growing_records(3_000))

    starts = fake.window_starts()
    assert len(starts) > 2
    assert all(datetime.fromisoformat(s.replace("Z", "+00:00")).microsecond == 0 for s in starts[1:])
