"""BILL's cursor pagination: `nextPage` in the body, sent back as `page=` (AP/AR) or `nextPage=` (S&E)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .limits import MAX_PAGE_SIZE, MAX_SPEND_TRANSACTIONS_PAGE_SIZE

SPEND_PREFIX = "/v3/spend/"


class RepeatedCursorError(RuntimeError):
    """BILL sent a `nextPage` cursor that was already followed; following it would loop forever."""


def _normalized(path: str) -> str:
    clean = "/" + path.lstrip("/")
    return clean if clean.startswith("/v3/") else "/v3" + clean


def is_spend_path(path: str) -> bool:
    return _normalized(path).startswith(SPEND_PREFIX)


def cursor_param(path: str) -> str:
    """Query parameter that carries the cursor: `nextPage` for S&E, `page` elsewhere."""
    return "nextPage" if is_spend_path(path) else "page"


def page_size_cap(path: str) -> int:
    """Largest `max` BILL accepts on this list: 50 for S&E transactions, 100 elsewhere."""
    if _normalized(path).rstrip("/") == SPEND_PREFIX + "transactions":
        return MAX_SPEND_TRANSACTIONS_PAGE_SIZE
    return MAX_PAGE_SIZE


def clamp_page_size(path: str, requested: int | None) -> int:
    cap = page_size_cap(path)
    return cap if requested is None else max(1, min(int(requested), cap))


def next_cursor(page: Any) -> str | None:
    """The page's `nextPage`, or None when absent, null or empty (the only stop signal)."""
    if not isinstance(page, Mapping):
        return None
    value = page.get("nextPage")
    if value is None:
        return None
    text = str(value)
    return text or None


class CursorGuard:
    """Remembers the cursors of one walk; refuses to follow one twice, and ends a walk of empty pages.

    BILL documents `nextPage` only where more rows follow. An empty page that still carries one is
    followed once (rows may yet come); a second empty page in a row, or an empty page repeating a
    cursor, ends the walk: nothing is left to read and following on would loop.
    """

    def __init__(self, what: str = "list") -> None:
        self._what = what
        self._seen: set[str] = set()
        self._empty_before = False

    def follow(self, cursor: str, *, empty_page: bool = False) -> str | None:
        """The cursor to follow, or None when the walk is over."""
        if empty_page and (self._empty_before or cursor in self._seen):
            return None
        self._empty_before = empty_page
        if cursor in self._seen:
            raise RepeatedCursorError(
                f"BILL returned the same nextPage cursor twice while paging {self._what}; "
                "stopping instead of looping over the same pages."
            )
        self._seen.add(cursor)
        return cursor


class ThreadCursorGuards:
    """One `CursorGuard` per thread, restarted at the first page of every walk.

    A walk over one list always runs in one thread, so this tells walks apart without
    knowing about them.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def follow(self, cursor: str, *, first_page: bool, what: str, empty_page: bool = False) -> str | None:
        guard = getattr(self._local, "guard", None)
        if first_page or guard is None:
            guard = self._local.guard = CursorGuard(what)
        return guard.follow(cursor, empty_page=empty_page)
