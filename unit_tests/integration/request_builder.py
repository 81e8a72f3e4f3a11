"""Requests the connector is expected to send, as `HttpRequest`s for `HttpMocker`."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.test.mock_http import HttpRequest
from airbyte_cdk.test.mock_http.request import ANY_QUERY_PARAMS

from .config import API_ROOT, APP_KEY, DEV_KEY, ORGANIZATION_ID, PASSWORD, USERNAME

SESSION_ID = "session-0001"
SECOND_SESSION_ID = "session-0002"


def ap_ar_login_request() -> HttpRequest:
    return HttpRequest(
        url=f"{API_ROOT}/login",
        body={
            "username": USERNAME,
            "password": PASSWORD,
            "organizationId": ORGANIZATION_ID,
            "devKey": DEV_KEY,
        },
    )


def partner_login_request() -> HttpRequest:
    return HttpRequest(
        url=f"{API_ROOT}/partner/login",
        body={"username": "partner-admin", "password": PASSWORD, "appKey": APP_KEY},
    )


def updated_time_filter(start: str, end: str) -> str:
    return f'updatedTime:gte:"{start}",updatedTime:lte:"{end}"'


class BillRequestBuilder:
    """`GET {API_ROOT}{endpoint}` with BILL's list parameters."""

    def __init__(self, endpoint: str) -> None:
        self._endpoint = endpoint
        self._params: dict[str, Any] = {}
        self._headers: dict[str, str] = {}
        self._any_params = False

    @classmethod
    def list(cls, endpoint: str) -> BillRequestBuilder:
        return cls(endpoint).with_max(100)

    def with_max(self, max_: int) -> BillRequestBuilder:
        self._params["max"] = str(max_)
        return self

    def with_page(self, cursor: str) -> BillRequestBuilder:
        self._params["page"] = cursor
        return self

    def with_next_page(self, cursor: str) -> BillRequestBuilder:
        self._params["nextPage"] = cursor
        return self

    def with_updated_between(self, start: str, end: str, *, sort: bool = True) -> BillRequestBuilder:
        self._params["filters"] = updated_time_filter(start, end)
        if sort:
            self._params["sort"] = "updatedTime:asc"
        return self

    def with_param(self, key: str, value: str) -> BillRequestBuilder:
        self._params[key] = value
        return self

    def with_any_params(self) -> BillRequestBuilder:
        self._any_params = True
        return self

    def with_session(self, session_id: str = SESSION_ID) -> BillRequestBuilder:
        self._headers.update({"devKey": DEV_KEY, "sessionId": session_id})
        return self

    def with_partner_session(
        self, session_id: str = SESSION_ID, organization_id: str | None = None
    ) -> BillRequestBuilder:
        self._headers.update({"appKey": APP_KEY, "sessionId": session_id})
        if organization_id:
            self._headers["organizationId"] = organization_id
        return self

    def with_api_token(self, token: str) -> BillRequestBuilder:
        self._headers["apiToken"] = token
        return self

    def build(self) -> HttpRequest:
        query = ANY_QUERY_PARAMS if self._any_params else (self._params or None)
        return HttpRequest(
            url=f"{API_ROOT}{self._endpoint}", query_params=query, headers=self._headers or None
        )
