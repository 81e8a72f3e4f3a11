"""BILL's time formats: `yyyy-MM-ddTHH:mm:ss.SSS+00:00` timestamps and `yyyy-MM-dd` dates."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

_FILTER_FORMATS = (
    # The formats BILL documents for createdTime/updatedTime filter values.
    ("%Y-%m-%dT%H:%M:%S.%f%z", True),
    ("%Y-%m-%dT%H:%M:%S.%f", False),
    ("%Y-%m-%dT%H:%M:%S%z", True),
    ("%Y-%m-%dT%H:%M:%S", False),
    ("%Y-%m-%dT%H:%M%z", True),
    ("%Y-%m-%dT%H:%M", False),
    ("%Y-%m-%d", False),
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION = re.compile(r"(?<=T\d\d:\d\d:\d\d)\.\d+")


def format_timestamp(moment: datetime | float) -> str:
    """Render a moment the way BILL returns createdTime/updatedTime."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, tz=timezone.utc)
    if moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")


def format_date(day: date | datetime) -> str:
    return (day.date() if isinstance(day, datetime) else day).isoformat()


def parse_filter_timestamp(value: str) -> str:
    """Parse a filter value in any documented format; return it normalised like stored timestamps.

    Zone-less values are taken as UTC (BILL does not say; see docs/emulator.md).
    Raises ValueError when no documented format matches.
    """
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    for fmt, _zoned in _FILTER_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        try:
            return format_timestamp(parsed)
        except OverflowError:
            # Year 1 east of UTC, or year 9999 west of it: before (after) every record, so the
            # earliest (latest) moment UTC can render stands in for it.
            edge = datetime.min if parsed.year == 1 else datetime.max
            return format_timestamp(edge.replace(tzinfo=timezone.utc))
    raise ValueError(f"not a BILL date-time: {value!r}")


def whole_second(stamp: str) -> str:
    """A timestamp with its fraction of a second zeroed: `...12:00:00.500+00:00` -> `...12:00:00.000+00:00`."""
    return _FRACTION.sub(lambda match: "." + "0" * (len(match.group()) - 1), stamp, count=1)


def parse_date(value: str) -> str:
    """Validate a `yyyy-MM-dd` date; return it unchanged."""
    text = value.strip()
    if not _DATE.match(text):
        raise ValueError(f"not a yyyy-MM-dd date: {value!r}")
    datetime.strptime(text, "%Y-%m-%d")
    return text
