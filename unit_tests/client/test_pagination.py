import threading

import pytest

from source_bill.client.pagination import (
    CursorGuard,
    RepeatedCursorError,
    ThreadCursorGuards,
    clamp_page_size,
    cursor_param,
    next_cursor,
    page_size_cap,
)


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v3/vendors", "page"),
        ("/vendors", "page"),
        ("/v3/partner/users", "page"),
        ("/v3/spend/cards", "nextPage"),
        ("/spend/transactions", "nextPage"),
    ],
)
def test_given_path_when_choosing_cursor_param_then_page_for_ap_ar_and_next_page_for_spend(path, param):
    assert cursor_param(path) == param


def test_given_spend_transactions_when_capping_page_size_then_50_else_100():
    assert page_size_cap("/v3/spend/transactions") == 50
    assert page_size_cap("/v3/spend/cards") == 100
    assert clamp_page_size("/spend/transactions", 100) == 50
    assert clamp_page_size("/v3/invoices", 500) == 100
    assert clamp_page_size("/v3/invoices", 0) == 1
    assert clamp_page_size("/v3/invoices", None) == 100


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ({"results": [], "nextPage": "abc"}, "abc"),
        ({"results": [1]}, None),
        ({"results": [1], "nextPage": None}, None),
        ({"results": [1], "nextPage": ""}, None),
        ([], None),
        (None, None),
    ],
)
def test_given_page_when_reading_next_cursor_then_only_a_present_value_continues(page, expected):
    assert next_cursor(page) == expected


def test_given_cursor_seen_before_when_following_then_repeated_cursor_error():
    guard = CursorGuard("/v3/vendors")
    guard.follow("a")
    guard.follow("b")
    with pytest.raises(RepeatedCursorError, match="same nextPage cursor twice"):
        guard.follow("a")


def test_given_new_walk_when_following_same_cursor_then_allowed():
    guards = ThreadCursorGuards()
    guards.follow("a", first_page=True, what="x")
    with pytest.raises(RepeatedCursorError):
        guards.follow("a", first_page=False, what="x")
    assert guards.follow("a", first_page=True, what="x") == "a"


def test_given_two_threads_when_walking_then_guards_are_separate():
    guards = ThreadCursorGuards()
    guards.follow("a", first_page=True, what="x")
    errors = []

    def other_walk():
        try:
            guards.follow("b", first_page=True, what="x")
            guards.follow("a", first_page=False, what="x")
        except RepeatedCursorError as error:  # pragma: no cover - would be the bug
            errors.append(error)

    thread = threading.Thread(target=other_walk)
    thread.start()
    thread.join()
    assert errors == []
