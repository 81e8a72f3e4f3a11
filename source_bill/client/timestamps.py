"""BILL's timestamps: `updatedTime` values as BILL writes them, and the connector's cursor format.

BILL writes `yyyy-MM-ddTHH:mm:ss.SSS+HH:MM`; the manifest's cursor (and so the state) is
`%Y-%m-%dT%H:%M:%S.%_msZ`, in UTC, to the millisecond.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (a zone-less value is UTC), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_bill_time(value: Any) -> datetime | None:
    """A timestamp of exactly BILL's shape, `yyyy-MM-ddTHH:mm:ss.SSS+HH:MM`, as an aware datetime
    (`datetime.fromisoformat`, the fast way); None for anything else, which the caller parses its
    slower way. Every record's `updatedTime` comes here, twice (the record filter, the cursor)."""
    if (
        type(value) is str
        and len(value) == 29
        and value[19] == "."
        and value[23] in "+-"
        and value[26] == ":"
    ):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def format_cursor(moment: datetime) -> str:
    """`moment` in the cursor's format, `2025-01-02T03:04:05.678Z`."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
