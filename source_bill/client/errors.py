"""BILL's error envelope, its BDC code catalogue and how each error is handled."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class ErrorKind(str, Enum):
    """What a BILL error means for a client."""

    SESSION_INVALID = "session_invalid"
    BAD_CREDENTIALS = "bad_credentials"
    BAD_DEV_KEY = "bad_dev_key"
    NO_API_ACCESS = "no_api_access"
    UNTRUSTED_SESSION = "untrusted_session"
    PERMISSION_DENIED = "permission_denied"
    UNAUTHORIZED = "unauthorized"
    API_NOT_SUPPORTED = "api_not_supported"
    CONCURRENCY_LIMIT = "concurrency_limit"
    HOURLY_LIMIT = "hourly_limit"
    RATE_LIMITED = "rate_limited"
    SYSTEM_ERROR = "system_error"
    NOT_BILL = "not_bill"
    REQUEST_INVALID = "request_invalid"
    UNKNOWN = "unknown"


class Failure(str, Enum):
    """Who can fix the error: the user (config), nobody yet (transient) or the connector (system)."""

    CONFIG = "config"
    TRANSIENT = "transient"
    SYSTEM = "system"


#: BDC codes this client knows, with BILL's own wording.
BDC_CODES: Mapping[str, tuple[ErrorKind, str]] = {
    "BDC_1001": (ErrorKind.SYSTEM_ERROR, "System error occurred."),
    "BDC_1101": (ErrorKind.BAD_CREDENTIALS, "User name and/or password do not match our records."),
    "BDC_1102": (ErrorKind.BAD_DEV_KEY, "Developer key is invalid."),
    "BDC_1105": (ErrorKind.NO_API_ACCESS, "The organization does not have API access."),
    "BDC_1109": (ErrorKind.SESSION_INVALID, "Session is invalid. Please log in."),
    "BDC_1121": (ErrorKind.API_NOT_SUPPORTED, "API not supported."),
    "BDC_1144": (ErrorKind.HOURLY_LIMIT, "Max number of allowed requests per hour reached."),
    "BDC_1145": (
        ErrorKind.PERMISSION_DENIED,
        "Current user or organization does not have valid permissions.",
    ),
    # Spend & Expense's 60 calls a minute per token: BILL documents the limit, not its code. The code
    # is the emulator's assumption (docs/emulator.md); a limit error with another status and no known
    # code would fail the stream instead of waiting.
    "BDC_1149": (ErrorKind.RATE_LIMITED, "Max number of allowed requests per minute reached."),
    "BDC_1322": (ErrorKind.CONCURRENCY_LIMIT, "Max number of concurrent requests per organization reached."),
    "BDC_1361": (ErrorKind.UNTRUSTED_SESSION, "Untrusted session."),
}

#: RFC 6749 §5.2 errors of an OAuth token endpoint (`{"error", "error_description"}`). BILL documents
#: none of its token endpoint's errors; these are the standard's, which the emulator assumes too
#: (docs/emulator.md). The error name is taken as the code.
OAUTH_ERRORS: Mapping[str, ErrorKind] = {
    "invalid_client": ErrorKind.BAD_CREDENTIALS,
    "invalid_grant": ErrorKind.BAD_CREDENTIALS,
    "unauthorized_client": ErrorKind.PERMISSION_DENIED,
    "invalid_request": ErrorKind.REQUEST_INVALID,
    "unsupported_grant_type": ErrorKind.REQUEST_INVALID,
    "invalid_scope": ErrorKind.REQUEST_INVALID,
}

#: When a body carries several codes, the first kind in this order decides.
_PRECEDENCE = (
    ErrorKind.HOURLY_LIMIT,
    ErrorKind.CONCURRENCY_LIMIT,
    ErrorKind.RATE_LIMITED,
    ErrorKind.SESSION_INVALID,
    ErrorKind.BAD_CREDENTIALS,
    ErrorKind.BAD_DEV_KEY,
    ErrorKind.NO_API_ACCESS,
    ErrorKind.UNTRUSTED_SESSION,
    ErrorKind.PERMISSION_DENIED,
    ErrorKind.API_NOT_SUPPORTED,
    ErrorKind.SYSTEM_ERROR,
    ErrorKind.REQUEST_INVALID,
)

FAILURE_BY_KIND: Mapping[ErrorKind, Failure] = {
    ErrorKind.SESSION_INVALID: Failure.TRANSIENT,
    ErrorKind.BAD_CREDENTIALS: Failure.CONFIG,
    ErrorKind.BAD_DEV_KEY: Failure.CONFIG,
    ErrorKind.NO_API_ACCESS: Failure.CONFIG,
    ErrorKind.UNTRUSTED_SESSION: Failure.CONFIG,
    ErrorKind.PERMISSION_DENIED: Failure.CONFIG,
    ErrorKind.UNAUTHORIZED: Failure.CONFIG,
    ErrorKind.API_NOT_SUPPORTED: Failure.CONFIG,
    ErrorKind.CONCURRENCY_LIMIT: Failure.TRANSIENT,
    ErrorKind.HOURLY_LIMIT: Failure.TRANSIENT,
    ErrorKind.RATE_LIMITED: Failure.TRANSIENT,
    ErrorKind.SYSTEM_ERROR: Failure.TRANSIENT,
    ErrorKind.NOT_BILL: Failure.CONFIG,
    ErrorKind.REQUEST_INVALID: Failure.SYSTEM,
    ErrorKind.UNKNOWN: Failure.SYSTEM,
}


@dataclass(frozen=True)
class ErrorItem:
    """One entry of BILL's error array."""

    code: str | None = None
    message: str | None = None
    severity: str | None = None
    category: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class ErrorBody:
    """A parsed error response body.

    `envelope` is `array` (BILL's usual list), `object` (a bare `{"message": ...}` from the
    gateway), `non_json` (HTML or text) or `empty`.
    """

    items: tuple[ErrorItem, ...]
    envelope: str
    text: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items if item.code)

    @property
    def code(self) -> str | None:
        return self.codes[0] if self.codes else None

    @property
    def message(self) -> str:
        """Distinct messages joined in order; a short excerpt for non-JSON bodies."""
        seen: list[str] = []
        for item in self.items:
            if item.message and item.message not in seen:
                seen.append(item.message)
        if seen:
            return " ".join(seen)
        return _excerpt(self.text)


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _as_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body


def _item(raw: Mapping[str, Any]) -> ErrorItem:
    def text(key: str) -> str | None:
        value = raw.get(key)
        return None if value is None else str(value)

    oauth_error = text("error") if text("error") in OAUTH_ERRORS else None
    return ErrorItem(
        code=text("code") or text("errorCode") or text("error_code") or oauth_error,
        message=text("message")
        or text("errorMessage")
        or text("error_message")
        or text("error_description")
        or text("error"),
        severity=text("severity"),
        category=text("category"),
        timestamp=text("timestamp"),
    )


def parse_error_body(body: bytes | str | None) -> ErrorBody:
    """Parse any error body BILL (or something in front of it) may send."""
    text = _as_text(body)
    if not text.strip():
        return ErrorBody(items=(), envelope="empty", text=text)
    try:
        payload = json.loads(text)
    except ValueError:
        return ErrorBody(items=(), envelope="non_json", text=text)
    if isinstance(payload, list):
        items = tuple(_item(entry) for entry in payload if isinstance(entry, Mapping))
        return ErrorBody(items=items, envelope="array", text=text)
    if isinstance(payload, Mapping):
        nested = payload.get("errors")
        if isinstance(nested, list):
            items = tuple(_item(entry) for entry in nested if isinstance(entry, Mapping))
            return ErrorBody(items=items, envelope="object", text=text)
        return ErrorBody(items=(_item(payload),), envelope="object", text=text)
    return ErrorBody(items=(), envelope="non_json", text=text)


def kind_of_codes(codes: Iterable[str]) -> ErrorKind | None:
    """The deciding kind among known BDC codes (and OAuth error names), or None if none is known."""
    kinds = {BDC_CODES[code][0] for code in codes if code in BDC_CODES}
    kinds |= {OAUTH_ERRORS[code] for code in codes if code in OAUTH_ERRORS}
    for kind in _PRECEDENCE:
        if kind in kinds:
            return kind
    return None


def classify(status: int | None, body: ErrorBody) -> ErrorKind:
    """Classify an error response. BILL's body code wins over the HTTP status.

    Limit codes are recognised whatever the status (BILL has been seen to send them with 429,
    422 and 400).
    """
    by_code = kind_of_codes(body.codes)
    if by_code is not None:
        return by_code
    status = status or 0
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status >= 500:
        return ErrorKind.SYSTEM_ERROR
    if status == 401:
        return ErrorKind.UNAUTHORIZED
    if body.envelope == "non_json" or status in (404, 405):
        # BILL answers a wrong path with BDC_1121; a codeless 404 or an HTML page comes from
        # something else at the configured URL.
        return ErrorKind.NOT_BILL
    if status == 403:
        return ErrorKind.PERMISSION_DENIED
    if 400 <= status < 500:
        return ErrorKind.REQUEST_INVALID
    return ErrorKind.UNKNOWN


class BillApiError(Exception):
    """An error answer from BILL (or from whatever sits at the configured URL)."""

    def __init__(
        self,
        status: int | None,
        body: ErrorBody,
        *,
        kind: ErrorKind | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.kind = kind or classify(status, body)
        self.method = method
        self.path = path
        super().__init__(self._describe())

    @property
    def code(self) -> str | None:
        return self.body.code

    @property
    def failure(self) -> Failure:
        return FAILURE_BY_KIND[self.kind]

    def _describe(self) -> str:
        where = f"{self.method} {self.path} " if self.method and self.path else ""
        code = f" {self.code}" if self.code else ""
        detail = self.body.message or "no message"
        return f"BILL API error: {where}HTTP {self.status}{code} ({self.kind.value}): {detail}"


def error_from_response(
    status: int, body: bytes | str | None, *, method: str | None = None, path: str | None = None
) -> BillApiError:
    """Build a classified `BillApiError` from a raw status and body."""
    return BillApiError(status, parse_error_body(body), method=method, path=path)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret value in `text` with `****`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text
