"""Request checks every family shares: what a body, a query parameter or a field must be, and the 400 each
failure answers (BDC_1117 for a body, BDC_1116 for a query parameter).

One helper per check, so a rule and its wording live in one place. The helpers take the parsed body or
query, never the request, so models may use them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bill_emulator.errors import invalid_body, invalid_parameter
from bill_emulator.timefmt import parse_date

ARRAY_OF_OBJECTS = "Request body must be a non-empty JSON array of objects."
MAX_UPLOAD_BYTES = 6 * 1024 * 1024  # documented for attachments and documents: 6 MB


# -- bodies -----------------------------------------------------------------------------------------
def body_object(body: Any) -> dict[str, Any]:
    """A body that must be one JSON object."""
    if not isinstance(body, dict):
        raise invalid_body("Request body must be a JSON object.")
    return body


def objects(value: Any, message: str = ARRAY_OF_OBJECTS) -> list[dict[str, Any]]:
    """A non-empty JSON array of objects (a body or a field), else 400 with `message`."""
    if not isinstance(value, list) or not value or not all(isinstance(x, dict) for x in value):
        raise invalid_body(message)
    return value


def body_list(body: Any, limit: int | None = None, what: str | None = None) -> list[dict[str, Any]]:
    """A bulk request's body: a non-empty JSON array of objects, at most `limit` of them.

    The families word the failures two ways, both kept as they were: with `what` (the payables, "up to 20
    vendors in one request") one message for any malformed array; without it (the classifications) the
    array, the limit and the elements each have their own."""
    if what is not None:
        items = objects(body)
        if limit is not None and len(items) > limit:
            raise invalid_body(f"You can send up to {limit} {what} in one request.")
        return items
    if not isinstance(body, list) or not body:
        raise invalid_body("Request body must be a non-empty JSON array.")
    if limit is not None and len(body) > limit:
        raise invalid_body(f"You can send at most {limit} objects in one bulk request.")
    if not all(isinstance(item, dict) for item in body):
        raise invalid_body("Each element of the array must be a JSON object.")
    return body


def file_size(content: Any) -> int:
    """The size of an uploaded file (the raw request body): neither empty nor over 6 MB."""
    size = len(content) if isinstance(content, bytes | bytearray) else 0
    if size == 0:
        raise invalid_body("The file is empty: send the file content as the request body.")
    if size > MAX_UPLOAD_BYTES:
        raise invalid_body("The file is larger than the 6 MB limit.")
    return size


def reject_unknown(body: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Fields a write does not take are refused, not ignored (BILL's behaviour)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid_body(f"Unrecognized field(s): {', '.join(prefix + key for key in unknown)}.")


def _falsy(value: Any) -> bool:
    return not value


def require_fields(
    body: Mapping[str, Any], keys: Iterable[str], blank: Callable[[Any], bool] = _falsy
) -> None:
    """Every key present and not `blank` (falsy by default), else one 400 naming all that are."""
    missing = [key for key in keys if blank(body.get(key))]
    if missing:
        raise invalid_body("; ".join(f"{key}: must not be blank" for key in missing))


def require_keys(body: Mapping[str, Any], keys: Iterable[str]) -> None:
    """Every key present (a replace names every required field), else one 400 naming all that are not."""
    missing = [key for key in keys if key not in body]
    if missing:
        raise invalid_body("; ".join(f"{key}: must not be null" for key in missing))


def empty(value: Any) -> bool:
    """A `blank` for `require_fields`: absent, null or the empty string (zero and false are values)."""
    return value is None or value == ""


def not_text(value: Any) -> bool:
    """A `blank` for `require_fields`: anything but a non-empty string."""
    return not isinstance(value, str) or not value


def required_id(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise invalid_body(f"{key}: must not be blank")
    return value


# -- query parameters -------------------------------------------------------------------------------
def ids_param(query: Mapping[str, str]) -> list[str]:
    """`?ids=a,b,c` of the bulk archive, restore and status routes."""
    ids = [part.strip() for part in (query.get("ids") or "").split(",") if part.strip()]
    if not ids:
        raise invalid_parameter("ids is required: a comma-separated list of ids.")
    return ids


def bool_param(query: Mapping[str, str], name: str) -> bool:
    """A true/false query parameter (absent = false)."""
    raw = query.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() not in ("true", "false"):
        raise invalid_parameter(f"{name} must be true or false.")
    return raw.lower() == "true"


# -- values -----------------------------------------------------------------------------------------
def json_number(value: Any, name: str) -> int | float:
    """A JSON number (true and false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_body(f"{name}: must be a number")
    return value


def money(value: Any, name: str) -> float:
    """A JSON number as BILL money (2 decimals), at most 10 billion."""
    if not math.isfinite(json_number(value, name)):
        raise invalid_body(f"{name}: must be a number")
    if abs(value) > 1e10:
        raise invalid_body(f"{name}: is too large")
    return round(float(value), 2)


def numeric(value: Any, name: str) -> float:
    """A JSON number or a numeric string (BILL's own examples send `"100"`), to 2 decimals."""
    if isinstance(value, bool):
        raise invalid_body(f"{name}: must be a number")
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        raise invalid_body(f"{name}: must be a number") from None


def non_negative(value: Any, name: str) -> float:
    """A `numeric` value that is not negative (Spend & Expense amounts)."""
    result = numeric(value, name)
    if result != result or result < 0:
        raise invalid_body(f"{name}: must not be negative")
    return result


def day(value: Any, name: str) -> str:
    """A `yyyy-MM-dd` date."""
    try:
        return parse_date(str(value))
    except ValueError:
        raise invalid_body(f"{name}: must be a date in yyyy-MM-dd format") from None


def text(body: Mapping[str, Any], key: str, limit: int = 4000, message: str | None = None) -> str:
    """A string field of at most `limit` characters (`message` words the refusal when a family does)."""
    value = body[key]
    if not isinstance(value, str) or len(value) > limit:
        raise invalid_body(message or f"{key}: must be a string of at most {limit} characters")
    return value


def optional_text(body: Mapping[str, Any], key: str, required: bool = False, limit: int = 255) -> str | None:
    """A `text` that may be absent, null or empty (None then), unless `required`."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise invalid_body(f"{key}: must not be blank")
        return None
    return text(body, key, limit)


def flag(value: Any, name: str) -> bool:
    """A boolean, also as the strings "true"/"false" BILL's own examples send."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_body(f"{name}: must be true or false")


def boolean(value: Any, name: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise invalid_body(f"{name}: must be true or false")
    return value


def optional_bool(body: Mapping[str, Any], name: str) -> bool | None:
    """A JSON boolean field that may be absent or null (None then)."""
    value = body.get(name)
    return None if value is None else boolean(value, name)


def json_object(value: Any, name: str) -> dict[str, Any]:
    """A field that must be a JSON object."""
    if not isinstance(value, dict):
        raise invalid_body(f"{name}: must be an object")
    return value


def classification_ids(keys: tuple[str, ...], given: Any, name: str) -> dict[str, Any]:
    """A `classifications` object: only these keys, each a string id or null; absent keys are null."""
    given = json_object({} if given is None else given, name)
    reject_unknown(given, keys)
    for key, value in given.items():
        if value is not None and not isinstance(value, str):
            raise invalid_body(f"{name}.{key}: must be a string id")
    return {key: given.get(key) for key in keys}


def blank_address() -> dict[str, str]:
    """The address BILL returns for an object nobody gave one."""
    return {
        "line1": "",
        "line2": "",
        "city": "",
        "stateOrProvince": "",
        "zipOrPostalCode": "",
        "country": "",
        "countryName": "",
    }
