"""Shapes of what BILL sends, free of the values themselves: JSON types, id and timestamp formats,
error envelopes. Reports carry these, never record contents."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from bill_emulator.conform.wire import Answer

_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_BILL_ID = re.compile(r"^([0-9A-Za-z]{3})(\d{2})([0-9A-Za-z]{15})$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)
_TYPED_NUMBER = re.compile(r"^([A-Za-z]+):(\d+)$")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def key_types(value: Any) -> dict[str, str]:
    """`{key: JSON type}` of an object's top level (sorted), or {} for anything else."""
    if not isinstance(value, dict):
        return {}
    return {key: json_type(value[key]) for key in sorted(value)}


def parse_time(text: Any) -> datetime | None:
    """A BILL date-time as an aware datetime (no zone = UTC), or None."""
    if not isinstance(text, str):
        return None
    match = _TIME.match(text)
    if not match or match.group(4) is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None


def time_shape(text: Any) -> str:
    """`yyyy-MM-dd'T'HH:mm:ss.SSS+00:00`: the pattern of a date or date-time, its zone as sent."""
    if not isinstance(text, str):
        return f"not a string ({json_type(text)})"
    match = _TIME.match(text)
    if not match:
        return f"other ({len(text)} characters)"
    _, _, _, hour, _, second, fraction, zone = match.groups()
    shape = "yyyy-MM-dd"
    if hour is not None:
        shape += "'T'HH:mm" if "T" in text else " HH:mm"
        if second is not None:
            shape += ":ss"
        if fraction is not None:
            shape += "." + "S" * len(fraction)
    if zone == "Z":
        shape += "Z"
    elif zone:
        shape += zone if zone in ("+00:00", "+0000", "+00") else "±hh:mm (not UTC)"
    return shape


def id_shape(value: Any) -> str:
    """The format of an id: BILL's prefix + shard + 15 characters, base64 of `Type:number` (S&E), a
    UUID, or other."""
    if not isinstance(value, str):
        return f"not a string ({json_type(value)})"
    match = _BILL_ID.match(value)
    if match:
        return f"'{match.group(1)}' + 2-digit shard + 15 letters and digits"
    if _UUID.match(value):
        return "UUID"
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    typed = _TYPED_NUMBER.match(decoded)
    if typed:
        return f"base64 of '{typed.group(1)}:<number>'"
    return f"other ({len(value)} characters)"


def envelope_shape(answer: Answer) -> str:
    """How an error answer is wrapped: BILL's array of objects (with their keys), an object, text."""
    body = answer.json
    if not answer.is_json:
        return "empty" if not answer.text.strip() else "not JSON"
    if isinstance(body, list):
        if not body or not all(isinstance(item, dict) for item in body):
            return "array (not of objects)"
        keys = sorted(set().union(*(item.keys() for item in body)))
        return "array of {" + ", ".join(keys) + "}"
    if isinstance(body, dict):
        return "object {" + ", ".join(sorted(body)) + "}"
    return f"JSON {json_type(body)}"


def error_facts(answer: Answer) -> dict[str, Any]:
    """Status, code and envelope of an answer that should be an error (its message goes to notes)."""
    facts: dict[str, Any] = {"status": answer.status}
    if answer.status >= 400:
        facts["code"] = answer.code
        facts["envelope"] = envelope_shape(answer)
    return facts


# -- filter values in BILL's documented formats --------------------------------------------------
def _ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


#: (label, unit, render): each documented filter format (REFERENCE §3.1), the precision it has and
#: how a UTC moment is written in it.
FILTER_FORMATS: tuple[tuple[str, timedelta, Any], ...] = (
    ("yyyy-MM-dd'T'HH:mm:ss.SSSX (Z)", timedelta(milliseconds=1), lambda m: _ms(m) + "Z"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX (+00:00)", timedelta(milliseconds=1), lambda m: _ms(m) + "+00:00"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSS", timedelta(milliseconds=1), _ms),
    ("yyyy-MM-dd'T'HH:mm:ss", timedelta(seconds=1), lambda m: m.strftime("%Y-%m-%dT%H:%M:%S")),
    ("yyyy-MM-dd'T'HH:mm", timedelta(minutes=1), lambda m: m.strftime("%Y-%m-%dT%H:%M")),
    ("yyyy-MM-dd", timedelta(days=1), lambda m: m.strftime("%Y-%m-%d")),
)


def utc_ms(moment: datetime) -> datetime:
    """The moment in UTC, cut to whole milliseconds."""
    utc = moment.astimezone(timezone.utc)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def floor_to(moment: datetime, unit: timedelta) -> datetime:
    """The start of the unit (ms, second, minute, day) the UTC moment falls in."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return epoch + (moment - epoch) // unit * unit


def z_ms(moment: datetime) -> str:
    """`2025-01-01T12:00:00.500Z`: the form the connector sends."""
    return _ms(moment.astimezone(timezone.utc)) + "Z"
