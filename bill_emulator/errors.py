"""BILL's error envelope and the codes the emulator answers with.

Every non-2xx response is a JSON array of `{timestamp, code, severity, category, message}`.
Codes marked "documented" come from BILL's docs or were seen live; the others are the
emulator's assumption where BILL publishes no code (docs/emulator.md lists them).
"""

from __future__ import annotations

import orjson

from bill_emulator.timefmt import format_timestamp

# code: (default HTTP status, category, message)
CODES: dict[str, tuple[int, str, str]] = {
    # documented
    "BDC_1001": (500, "SERVER", "System error occurred."),
    "BDC_1101": (400, "REQUEST", "User name and/or password do not match our records."),
    "BDC_1102": (401, "REQUEST", "Developer key is invalid."),
    "BDC_1105": (403, "APPLICATION", "Organization does not have API access."),
    "BDC_1109": (401, "REQUEST", "Session is invalid. Please log in."),
    "BDC_1121": (404, "REQUEST", "API not supported."),
    "BDC_1144": (429, "DOWNSTREAM", "Max number of allowed requests per hour reached: 20000."),
    "BDC_1152": (422, "APPLICATION", "Invalid Process Date."),
    "BDC_1322": (429, "DOWNSTREAM", "Max number of concurrent requests per organization reached."),
    "BDC_1356": (400, "REQUEST", "MFA code has expired."),
    "BDC_1358": (422, "REQUEST", "Too many MFA attempts."),
    "BDC_1361": (403, "DOWNSTREAM", "Untrusted session."),
    "BDC_1374": (400, "REQUEST", "MFA token has expired."),
    # assumed (no public code)
    "BDC_1116": (400, "REQUEST", "Invalid request parameter."),
    "BDC_1117": (400, "REQUEST", "Invalid request body."),
    "BDC_1118": (404, "REQUEST", "Object not found."),
    "BDC_1119": (422, "APPLICATION", "Request cannot be processed."),
    "BDC_1145": (403, "APPLICATION", "Current user or organization does not have valid permissions."),
    "BDC_1146": (401, "REQUEST", "Application key is invalid."),
    "BDC_1147": (401, "REQUEST", "API token is invalid."),
    "BDC_1148": (429, "DOWNSTREAM", "Max number of allowed login requests per hour reached: 200."),
    "BDC_1149": (429, "DOWNSTREAM", "Max number of allowed requests per minute reached: 60."),
}

LIMIT_CODES = frozenset({"BDC_1144", "BDC_1322", "BDC_1148", "BDC_1149"})


class BillApiError(Exception):
    """An error the emulator answers with BILL's envelope."""

    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        default_status, category, default_message = CODES[code]
        self.code = code
        self.status = status or default_status
        self.category = category
        self.message = message or default_message
        super().__init__(f"{code} {self.message}")


def invalid_parameter(message: str) -> BillApiError:
    return BillApiError("BDC_1116", message)


def invalid_body(message: str) -> BillApiError:
    return BillApiError("BDC_1117", message)


def not_found(what: str, object_id: str) -> BillApiError:
    return BillApiError("BDC_1118", f"{what} not found: {object_id}")


def unprocessable(message: str) -> BillApiError:
    return BillApiError("BDC_1119", message)


def envelope(errors: list[BillApiError], now: float) -> bytes:
    """Render one or more errors as BILL's JSON array."""
    stamp = format_timestamp(now)
    return orjson.dumps(
        [
            {
                "timestamp": stamp,
                "code": error.code,
                "severity": "ERROR",
                "category": error.category,
                "message": error.message,
            }
            for error in errors
        ]
    )
