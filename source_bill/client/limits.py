"""BILL's published limits and the waits they call for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: Simultaneous requests per developer key and organization (BDC_1322 beyond).
MAX_CONCURRENT_REQUESTS = 3
#: Requests per developer key per hour (BDC_1144 beyond, until the top of the next hour).
REQUESTS_PER_HOUR = 20_000
#: Logins per developer key per hour.
LOGINS_PER_HOUR = 200
#: Spend & Expense calls per API token per minute.
SPEND_CALLS_PER_MINUTE = 60
#: BILL ends a session after this much inactivity.
SESSION_IDLE_TIMEOUT = timedelta(minutes=35)
#: Page size bounds: `max` is 1..100 everywhere, 1..50 for S&E transactions.
MAX_PAGE_SIZE = 100
MAX_SPEND_TRANSACTIONS_PAGE_SIZE = 50


def seconds_until_next_hour(now: datetime | None = None, margin_seconds: float = 5.0) -> float:
    """Seconds from `now` (UTC) to the top of the next hour, plus a small margin."""
    now = now or datetime.now(timezone.utc)
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return (next_hour - now).total_seconds() + margin_seconds


def concurrency_backoff(attempt: int, base: float = 2.0, cap: float = 30.0) -> float:
    """Short exponential wait after BDC_1322: 2, 4, 8, ... seconds, capped."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


def transient_backoff(attempt: int, base: float = 5.0, cap: float = 120.0) -> float:
    """Exponential wait after a 5xx, a timeout or a dropped connection."""
    return min(cap, base * (2 ** max(0, attempt - 1)))
