"""A small BILL v3 client: right headers per auth type, re-login, retries, cursor pages."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import requests

from .auth import Credentials, credentials_from_config
from .errors import BillApiError, ErrorBody, ErrorKind, error_from_response, redact
from .pagination import CursorGuard, clamp_page_size, cursor_param, next_cursor
from .retry import Action, decide
from .sessions import DEFAULT_REFRESH_AFTER, DEFAULT_TIMEOUT, SessionManager, shared_login_budget, sign_in
from .urls import api_url, endpoint_url, token_url


class BillClient:
    """Talk to BILL v3 as the connector does.

    >>> client = BillClient.from_config(config)          # doctest: +SKIP
    >>> for vendor in client.iter_records("/v3/vendors"):  # doctest: +SKIP
    ...     print(vendor["id"])

    The hourly limit (BDC_1144) is raised, never waited out, so callers decide.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        environment: str = "production",
        base_url: str | None = None,
        token_endpoint: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
        session_manager: SessionManager | None = None,
        refresh_after: timedelta = DEFAULT_REFRESH_AFTER,
        max_retries: int = 4,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.credentials = credentials
        self.api_root = api_url(environment, base_url)
        #: Where OAuth access tokens come from (`urls.token_url`); None for the other auth types.
        self.token_url = (token_endpoint or token_url(environment, base_url)) if credentials.bearer else None
        self.timeout = timeout
        self.max_retries = max_retries
        self._http = http or requests.Session()
        self._sleep = sleep or time.sleep
        if credentials.uses_session:
            self.sessions: SessionManager | None = session_manager or SessionManager(
                lambda: sign_in(self._http, credentials, self.api_root, self.token_url, timeout=timeout),
                refresh_after=None if credentials.bearer else refresh_after,
                budget=shared_login_budget(credentials.login_budget_key),
                sleep=self._sleep,
            )
        else:
            self.sessions = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> BillClient:
        """Build a client from a connector config (`credentials`, `environment`, `base_url`,
        `token_url`)."""
        minutes = config.get("session_refresh_minutes")
        if minutes and "refresh_after" not in kwargs:
            kwargs["refresh_after"] = timedelta(minutes=int(minutes))
        environment = config.get("environment") or "production"
        base_url = config.get("base_url") or None
        credentials = credentials_from_config(config)
        if credentials.bearer and "token_endpoint" not in kwargs:
            kwargs["token_endpoint"] = token_url(environment, base_url, config.get("token_url") or None)
        return cls(credentials, environment=environment, base_url=base_url, **kwargs)

    def __repr__(self) -> str:
        return f"BillClient(api_root={self.api_root!r}, credentials={self.credentials!r})"

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return the decoded JSON body (None when empty).

        Re-logs in once on BDC_1109 (an access token: on any 401); backs off and retries BDC_1322,
        429, 5xx and dropped connections up to `max_retries` times; raises `BillApiError` otherwise.
        """
        attempt = 0
        relogged = False
        while True:
            attempt += 1
            session_id = self.sessions.session_id() if self.sessions else None
            all_headers = {
                "Accept": "application/json",
                **self.credentials.headers(session_id),
                **(headers or {}),
            }
            try:
                response = self._http.request(
                    method,
                    endpoint_url(self.api_root, path),
                    params=dict(params or {}),
                    json=json,
                    headers=all_headers,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt > self.max_retries:
                    raise requests.ConnectionError(self._redact(str(error))) from None
                self._sleep(decide(error, attempt).wait)
                continue
            if response.status_code < 400:
                body = self._decode(response, method, path)
                if self.sessions:
                    self.sessions.confirm(session_id)
                return body
            error = error_from_response(response.status_code, response.content, method=method, path=path)
            decision = decide(error, attempt, bearer=self.credentials.bearer)
            if decision.action is Action.SIGN_IN_AGAIN and self.sessions and not relogged:
                relogged = True
                if self.sessions.report_invalid(session_id):
                    continue
            if decision.action is Action.RETRY and attempt <= self.max_retries:
                self._sleep(decision.wait)
                continue
            raise error  # the hourly limit included: the caller decides whether to wait an hour

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def iter_pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield each page of a list until `nextPage` is absent or null.

        An empty page that still carries `nextPage` is followed; a cursor seen before raises
        `RepeatedCursorError`.
        """
        query = dict(params or {})
        query["max"] = clamp_page_size(path, page_size or query.get("max"))
        param = cursor_param(path)
        guard = CursorGuard(path)
        while True:
            page = self.request("GET", path, params=query)
            if not isinstance(page, dict):
                raise BillApiError(
                    200,
                    ErrorBody(items=(), envelope="non_json", text="list answer is not a JSON object"),
                    kind=ErrorKind.NOT_BILL,
                    method="GET",
                    path=path,
                )
            yield page
            cursor = next_cursor(page)
            if cursor is None:
                return
            query[param] = guard.follow(cursor)

    def iter_records(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of every page's `results`."""
        for page in self.iter_pages(path, params, page_size=page_size):
            yield from page.get("results") or []

    # -- helpers ----------------------------------------------------------------------------

    def _decode(self, response: requests.Response, method: str, path: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BillApiError(
                response.status_code,
                ErrorBody(items=(), envelope="non_json", text=response.text),
                kind=ErrorKind.NOT_BILL,
                method=method,
                path=path,
            ) from None

    def _redact(self, text: str) -> str:
        return redact(text, self.credentials.secrets)
