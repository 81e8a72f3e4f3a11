"""Reading updatedTime lists in windows (source_bill/window_slicer.py): costs, records and state,
against the in-memory BILL list of `unit_tests/bill_list.py`.
"""

from __future__ import annotations

from collections import Counter

from source_bill.checkpoints import stretches_read
from unit_tests.bill_list import (
    NOW_MS,
    growing_records,
    parse_time,
    read_list,
    record_ids,
    unread_before,
)


def test_given_an_empty_list_when_read_then_one_request_and_nothing_else():
    output, fake = read_list([])

    assert output.records == []
    assert len(fake.requests) == 1
    assert not output.errors


def test_given_one_page_when_read_then_its_first_request_is_the_only_one():
    records = growing_records(40)

    output, fake = read_list(records)

    assert record_ids(output) == [r["id"] for r in records]
    assert len(fake.requests) == 1  # read once to size the window, then handed to the reader
    assert output.most_recent_state.stream_state.__dict__ == {
        "updatedTime": records[-1]["updatedTime"][:23] + "Z"
    }


def test_given_many_pages_when_read_then_windows_in_parallel_every_record_once_and_few_extra_requests():
    records = growing_records(3_000)

    output, fake = read_list(records)

    emitted = record_ids(output)
    assert Counter(emitted) == Counter(r["id"] for r in records)  # each exactly once
    assert len(fake.window_starts()) >= 3
    pages = len(records) // 100
    assert pages <= len(fake.requests) <= pages + len(fake.window_starts()) + 1
    # Every window asks up to the end of the sync (so that its first page is the one read ahead).
    assert {q["filters"].rsplit('"', 2)[1] for q in fake.requests} == {NOW_MS}
    assert output.most_recent_state.stream_state.__dict__ == {
        "updatedTime": records[-1]["updatedTime"][:23] + "Z"
    }


def test_given_a_later_window_fails_when_read_then_the_state_covers_only_records_read():
    records = growing_records(3_000)
    fail_from = parse_time(records[1_500]["updatedTime"])

    output, fake = read_list(records, fail_from=fail_from)

    assert output.errors
    failed = [parse_time(start) for start in fake.window_starts() if parse_time(start) >= fail_from]
    assert failed
    assert output.state_messages
    # Nothing a state claims read is missing: the next sync reads every record not delivered.
    assert unread_before(output, records) == []
    final = stretches_read(output.most_recent_state.stream_state.__dict__)
    assert not [start for start in failed if any(lo <= start <= hi for lo, hi in final)]


def test_given_state_and_nothing_changed_when_read_then_one_request():
    records = growing_records(3_000)
    newest = records[-1]["updatedTime"][:23] + "Z"

    output, fake = read_list(records, state={"updatedTime": newest})

    assert record_ids(output) == [records[-1]["id"]]  # the boundary record again (inclusive filter)
    assert len(fake.requests) == 1
    assert output.most_recent_state.stream_state.__dict__ == {"updatedTime": newest}


def test_given_state_and_many_changes_when_read_then_windows_from_the_state():
    records = growing_records(3_000)
    since = records[999]["updatedTime"][:23] + "Z"

    output, fake = read_list(records, state={"updatedTime": since})

    assert Counter(record_ids(output)) == Counter(r["id"] for r in records[999:])
    assert fake.window_starts()[0] == since
    assert len(fake.window_starts()) >= 2


def test_a_window_slice_hashes_and_compares_like_a_stream_slice():
    from airbyte_cdk.sources.types import StreamSlice

    from source_bill.window_slicer import WindowSlice

    parts = {
        "partition": {},
        "cursor_slice": {"start_time": "2025-01-01T00:00:00.000Z", "end_time": "2025-01-31T23:59:59.999Z"},
        "extra_fields": {"read_to": "2025-03-01T12:00:00.000Z"},
    }
    window, plain = WindowSlice(**parts), StreamSlice(**parts)

    assert window == plain and hash(window) == hash(plain) == hash(window)
    newest = {window: "2025-01-02T00:00:00.000Z"}
    assert newest[plain] == "2025-01-02T00:00:00.000Z"  # the CDK's cursor looks windows up either way
