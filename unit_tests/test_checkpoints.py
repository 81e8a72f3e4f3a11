"""State saved inside `updatedTime` windows (source_bill/checkpoints.py): a sync stopped after any
state message and resumed from it loses nothing and reads at most about a page again."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise

from source_bill.checkpoints import records_between_saves, stretches_read
from unit_tests.bill_list import (
    UTC,
    FakeList,
    growing_records,
    parse_time,
    read_list,
    record_ids,
    unread_before,
)

PAGE_SIZE = 100  # the connector's default, which `read_list` uses


def _stop_after(output, state_index: int) -> tuple[list[str], dict]:
    """What a sync killed right after its `state_index`-th state message had delivered, and that state."""
    delivered: list[str] = []
    seen = -1
    for message in output.records_and_state_messages:
        if message.record is not None:
            delivered.append(message.record.data["id"])
        else:
            seen += 1
            if seen == state_index:
                return delivered, message.state.stream.stream_state.__dict__
    raise AssertionError(f"no state message {state_index}")


def test_given_many_pages_when_read_then_state_is_saved_every_half_page_and_never_ahead_of_records():
    records = growing_records(3_000)

    output, _ = read_list(records)

    assert Counter(record_ids(output)) == Counter(r["id"] for r in records)
    assert len(output.state_messages) >= len(records) // records_between_saves(PAGE_SIZE) // 2
    assert unread_before(output, records) == []
    assert output.most_recent_state.stream_state.__dict__ == {
        "updatedTime": records[-1]["updatedTime"][:23] + "Z"
    }


def test_given_windows_read_in_parallel_when_saved_then_state_lists_each_stretch_read():
    records = growing_records(3_000)

    output, _ = read_list(records)

    shapes = [m.state.stream.stream_state.__dict__ for m in output.state_messages]
    ranges = [shape for shape in shapes if shape.get("state_type") == "date-range"]
    assert ranges, "no state while several windows were open"
    for shape in ranges:
        stretches = stretches_read(shape)
        assert len(stretches) >= 2
        assert all(lo <= hi for lo, hi in stretches)
        assert all(a[1] < b[0] for a, b in pairwise(stretches))  # sorted, apart


def test_given_a_sync_stopped_after_any_state_when_resumed_then_nothing_lost_and_at_most_a_page_again():
    records = growing_records(3_000)
    full, _ = read_list(records)
    count = len(full.state_messages)

    for index in sorted({1, count // 5, count // 3, count // 2, 2 * count // 3, count - 2}):
        delivered, state = _stop_after(full, index)
        resumed, _ = read_list(records, state=state)

        again = record_ids(resumed)
        assert set(delivered) | set(again) == {r["id"] for r in records}, f"gap after state {index}"
        assert len(set(delivered) & set(again)) <= PAGE_SIZE, f"state {index}: {state}"
        assert max(Counter(again).values()) == 1


class ShuffledPages(FakeList):
    """A list that does not keep the order it was asked for inside its pages."""

    def __call__(self, request, context):
        body = super().__call__(request, context)
        if isinstance(body, dict) and len(body["results"]) > 2:
            results = body["results"]
            body["results"] = [results[-1], *results[1:-1], results[0]]
        return body


def test_given_pages_out_of_order_when_read_then_state_is_saved_only_for_whole_windows():
    records = growing_records(3_000)

    output, fake = read_list(records, list_type=ShuffledPages)

    assert isinstance(fake, ShuffledPages)
    assert Counter(record_ids(output)) == Counter(r["id"] for r in records)
    assert unread_before(output, records) == []
    windows = len(fake.window_starts())
    assert len(output.state_messages) <= windows + 1
    newest = max(parse_time(r["updatedTime"]) for r in records)
    assert stretches_read(output.most_recent_state.stream_state.__dict__)[-1][1] < newest


def test_stretches_read_of_each_state_form():
    ms = timedelta(milliseconds=1)
    t1, t2, t3 = (
        parse_time(v)
        for v in ("2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z")
    )

    assert stretches_read({"updatedTime": "2025-01-01T00:00:00.000Z"}) == [
        (datetime.min.replace(tzinfo=UTC), t1 - ms)
    ]
    assert stretches_read(
        {
            "state_type": "date-range",
            "slices": [
                {"start": "2000-01-01T00:00:00.000Z", "end": "2025-01-01T00:00:00.000Z"},
                {"start": "2025-02-01T00:00:00.000Z", "end": "2025-03-01T00:00:00.000Z"},
            ],
        }
    ) == [(datetime.min.replace(tzinfo=UTC), t1), (t2, t3 - ms)]
    assert stretches_read({"updatedTime": "not a date"}) == []
    assert stretches_read({}) == []
