"""BILL answers for tests: list envelopes, login answers and every error envelope."""

from __future__ import annotations

import json
from typing import Any

from airbyte_cdk.test.mock_http import HttpResponse
from airbyte_cdk.test.mock_http.response_builder import (
    FieldPath,
    RecordBuilder,
    create_record_builder,
    find_template,
)

from .request_builder import SESSION_ID

_MISSING = object()


def record(resource: str) -> RecordBuilder:
    """A record from `unit_tests/resource/http/response/<resource>.json` (first result)."""
    return create_record_builder(
        find_template(resource, __file__),
        FieldPath("results"),
        record_id_path=FieldPath("id"),
        record_cursor_path=FieldPath("updatedTime")
        if "updatedTime" in find_template(resource, __file__)["results"][0]
        else None,
    )


def page(
    *records: RecordBuilder | dict[str, Any], next_page: Any = _MISSING, prev_page: Any = _MISSING
) -> HttpResponse:
    """A list page. `next_page` absent by default (BILL omits the key on the last page)."""
    body: dict[str, Any] = {"results": [r.build() if isinstance(r, RecordBuilder) else r for r in records]}
    if next_page is not _MISSING:
        body["nextPage"] = next_page
    if prev_page is not _MISSING:
        body["prevPage"] = prev_page
    return HttpResponse(json.dumps(body), 200)


def login_response(session_id: str = SESSION_ID) -> HttpResponse:
    return HttpResponse(
        json.dumps(
            {
                "sessionId": session_id,
                "organizationId": "00801TESTORG0000001",
                "userId": "00601USER",
                "trusted": False,
            }
        ),
        200,
    )


def bill_error(code: str | None, message: str, status: int = 400) -> HttpResponse:
    """BILL's usual envelope: a JSON array of error objects (without `code` when `code` is None)."""
    item: dict[str, Any] = {
        "timestamp": "2025-10-02T17:56:51.933+00:00",
        "severity": "ERROR",
        "category": "REQUEST",
        "message": message,
    }
    if code is not None:
        item["code"] = code
    return HttpResponse(json.dumps([item]), status)


def session_invalid() -> HttpResponse:
    return bill_error("BDC_1109", "Session is invalid. Please log in.", 401)


def object_error(message: str, status: int) -> HttpResponse:
    return HttpResponse(json.dumps({"message": message}), status)


def html_error(status: int = 404) -> HttpResponse:
    return HttpResponse("<html><body><h1>404 Not Found</h1></body></html>", status)
