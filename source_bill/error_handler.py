"""`BillErrorHandler`: what to do with each BILL answer, as the CDK's error handler.

BILL puts its error code in the body whatever the HTTP status, and the code wins: sign in again
after BDC_1109, a new access token once on any 401, retry BDC_1322, wait for the next hour after
BDC_1144 (`backoff.BillBackoffStrategy`), or stop with the user's message (`messages.py`), secrets
removed. A 200 whose body is not complete JSON is retried: the CDK would read it as an empty page
and end the stream early.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import InitVar, dataclass
from typing import Any

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config

from . import messages
from .backoff import DEFAULT_MAX_RETRIES, BillBackoffStrategy
from .bodies import parsed_body
from .client.auth import Credentials
from .client.errors import BillApiError, ErrorKind, error_from_response
from .client.retry import Action, decide
from .context import ContextMixin, as_traced

logger = logging.getLogger("airbyte")


def _session_of(response: requests.Response, credentials: Credentials) -> str | None:
    """The session id (or access token) the answered request was sent with."""
    request = getattr(response, "request", None)
    return credentials.sent_session(getattr(request, "headers", None) or {})


class _Renewals:
    """The requests that already had a new access token after a 401: a request gets one at most,
    so that a product the token cannot reach fails instead of renewing the token on every retry."""

    def __init__(self) -> None:
        self._renewed: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()
        self._lock = threading.Lock()

    def first(self, request: requests.PreparedRequest | None) -> bool:
        """True the first time `request` asks (a request that cannot be told apart always may)."""
        if request is None:
            return True
        with self._lock:
            if request in self._renewed:
                return False
            self._renewed.add(request)
            return True


def _unreadable_body(response: requests.Response) -> str | None:
    """None when the body is complete JSON; else what is wrong with it.

    The CDK's JSON decoder turns an unparsable body into an empty page and the paginator then
    stops, so a cut-off answer would silently end the stream early.
    """
    content = response.content or b""
    try:
        parsed_body(response)
    except orjson.JSONDecodeError:
        start = content.lstrip()[:1]
        if not start:
            return "empty body"
        if start in (b"{", b"["):
            return f"JSON cut off after {len(content)} bytes"  # no excerpt: it would be record data
        return "not JSON: " + repr(" ".join(content[:80].decode("utf-8", errors="replace").split()))
    return None


@dataclass
class BillErrorHandler(ContextMixin, ErrorHandler):
    """Reads BILL's error body (its code wins over the HTTP status) and decides what to do."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._context = None
        self._backoff = BillBackoffStrategy(config=self.config)
        self._renewals = _Renewals()

    @property
    def max_retries(self) -> int | None:
        return DEFAULT_MAX_RETRIES

    @property
    def max_time(self) -> int | None:
        # Long enough to wait out the hourly limit once and still retry after it.
        return int(self.config.get("max_rate_limit_wait_seconds", 3660)) + 900

    @property
    def backoff_strategies(self) -> list[BackoffStrategy]:
        return [self._backoff]

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        if isinstance(response_or_exception, requests.RequestException):
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                messages.for_connection_problem(self.context().api_root, response_or_exception),
            )
        if isinstance(response_or_exception, Exception):
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"Request failed: {type(response_or_exception).__name__}",
            )
        if not isinstance(response_or_exception, requests.Response):
            return ErrorResolution(
                ResponseAction.RETRY, FailureType.transient_error, "No response from BILL."
            )
        response = response_or_exception
        if response.status_code < 400:
            return self._on_success(response)
        return self._on_error(response)

    def _on_success(self, response: requests.Response) -> ErrorResolution:
        context = self.context()
        problem = _unreadable_body(response)
        if problem is not None:
            if (response.content or b"").lstrip()[:1] == b"<":
                # An HTML page with 200 (a proxy's login page, a captive portal): not BILL at this URL.
                body = error_from_response(response.status_code, response.content).body
                return self._fail(BillApiError(response.status_code, body, kind=ErrorKind.NOT_BILL))
            path = requests.utils.urlparse(response.request.url).path if response.request else None
            message = messages.for_unreadable_answer(path, response.status_code, problem)
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, context.redact(message))
        sessions = context.sessions()
        if sessions is not None:
            sessions.confirm(_session_of(response, context.credentials))
        return ErrorResolution(ResponseAction.SUCCESS)

    def _on_error(self, response: requests.Response) -> ErrorResolution:
        context = self.context()
        path = (
            requests.utils.urlparse(response.request.url).path if getattr(response, "request", None) else None
        )
        error = error_from_response(response.status_code, response.content, method="GET", path=path)
        bearer = context.credentials.bearer
        decision = decide(error, 1, bearer=bearer)
        if decision.action is Action.SIGN_IN_AGAIN:
            sessions = context.sessions()
            renews = not bearer or self._renewals.first(getattr(response, "request", None))
            if (
                sessions is not None
                and renews
                and sessions.report_invalid(_session_of(response, context.credentials))
            ):
                if bearer:
                    logger.info(
                        f"BILL refused the access token (HTTP 401 on {path}); getting a new one and retrying."
                    )
                else:
                    logger.info("BILL session is no longer valid (BDC_1109); signing in again and retrying.")
                return ErrorResolution(
                    ResponseAction.RETRY, FailureType.transient_error, "BILL session expired."
                )
            return self._fail(error, FailureType.config_error)
        if not decision.retries:
            return self._fail(error)
        return ErrorResolution(
            ResponseAction.RATE_LIMITED if decision.rate_limit else ResponseAction.RETRY,
            FailureType.transient_error,
            messages.for_error(error, context.auth_type),
        )

    def _fail(self, error: BillApiError, failure_type: FailureType | None = None) -> ErrorResolution:
        """Stop the stream with our own message.

        Raised rather than returned as FAIL: the CDK's FAIL path copies the raw response body into
        the exception's internal message without removing secrets.
        """
        traced = as_traced(error, self.context())
        if failure_type is not None:
            traced.failure_type = failure_type
        raise traced
