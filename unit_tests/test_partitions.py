"""Reading updatedTime lists in windows (source_bill/partitions.py): costs, records and state,
against the in-memory BILL list of `unit_tests/bill_list.py`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from source_bill.checkpoints import stretches_read
from source_bill.partitions import (
    FIRST_WINDOW_SHARE,
    MAX_PAGES_PER_WINDOW,
    PAGES_PER_WINDOW,
    WINDOWS_AHEAD,
    PageSpan,
    fast_timestamps,
    schedule,
    window_cut,
)
from source_bill.source import SourceBill
from unit_tests.bill_list import (
    NOW_MS,
    UTC,
    growing_records,
    parse_time,
    read_list,
    record_ids,
    unread_before,
)
from unit_tests.integration.config import ConfigBuilder


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


# -- window sizes ------------------------------------------------------------------------------


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


# -- pieces --------------------------------------------------------------------------------------


def test_fast_timestamps_parse_like_the_manifest_formats():
    source = SourceBill(config=ConfigBuilder().build())
    stream = next(s for s in source.streams(source._config) if s.name == "invoices")
    converter = stream.cursor._connector_state_converter
    original = type(converter).parse_timestamp.__get__(converter)
    fast_timestamps(stream.cursor)  # idempotent

    for value in ("2025-02-10T09:30:15.123+00:00", "2025-02-10T09:30:15.123-05:00", "2025-02-10T09:30:15Z"):
        assert converter.parse_timestamp(value) == original(value)
    with pytest.raises(ValueError):
        converter.parse_timestamp("not a time")


def test_streams_read_one_request_per_parent_record_start_last():
    source = SourceBill(config=ConfigBuilder().build())
    names = [stream.name for stream in schedule(source.streams(source._config))]

    assert names[-1] == "customer_bank_accounts"
    assert names[:3] == ["customers", "invoices", "receivable_payments"]


def test_a_window_slice_hashes_and_compares_like_a_stream_slice():
    from airbyte_cdk.sources.types import StreamSlice

    from source_bill.partitions import WindowSlice

    parts = {
        "partition": {},
        "cursor_slice": {"start_time": "2025-01-01T00:00:00.000Z", "end_time": "2025-01-31T23:59:59.999Z"},
        "extra_fields": {"read_to": "2025-03-01T12:00:00.000Z"},
    }
    window, plain = WindowSlice(**parts), StreamSlice(**parts)

    assert window == plain and hash(window) == hash(plain) == hash(window)
    newest = {window: "2025-01-02T00:00:00.000Z"}
    assert newest[plain] == "2025-01-02T00:00:00.000Z"  # the CDK's cursor looks windows up either way


def test_remembered_environment_settings_are_the_sessions_own(monkeypatch):
    import requests

    from source_bill.partitions import remember_environment

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "skip.example")
    session, reference = requests.Session(), requests.Session()
    remember_environment(session)
    remember_environment(session)  # idempotent

    for url in ("https://gateway.example/connect/v3/invoices?max=100", "https://skip.example/v3/x"):
        for _ in range(2):  # asked, then remembered
            assert session.merge_environment_settings(url, {}, None, None, None) == (
                reference.merge_environment_settings(url, {}, None, None, None)
            )
    own = {"https": "http://other.example:8080"}
    assert session.merge_environment_settings("https://gateway.example/", dict(own), None, None, None) == (
        reference.merge_environment_settings("https://gateway.example/", dict(own), None, None, None)
    )
