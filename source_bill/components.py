"""Custom manifest components, for what the declarative language cannot say about BILL.

* `BillAuthenticator`: BILL's session login (AP/AR, partner), API token (S&E) or OAuth access token
  (Bearer) headers, with one session or token shared by every stream and request of the sync.
* `BillErrorHandler` / `BillBackoffStrategy`: BILL's error codes in the body whatever the
  HTTP status (BDC_1109 re-login, a new access token on any 401, BDC_1322, BDC_1144 ...), and
  actionable messages.
* `BillCursorPagination`: `nextPage` cursors, page-size caps and the repeated-cursor guard.
* `BillRecordExtractor`: a page's `results`, from the body parsed once per response.

The rules themselves live in `source_bill.client`; these classes only adapt them to the CDK.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import InitVar, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.declarative_authenticator import DeclarativeAuthenticator
from airbyte_cdk.sources.declarative.extractors.record_extractor import RecordExtractor
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import (
    PaginationStrategy,
)
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.sources.types import Config, Record, StreamSlice
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import messages
from .client import limits
from .client.auth import OAUTH, Credentials, CredentialsError, auth_type_of, credentials_from_config
from .client.errors import BillApiError, ErrorKind, Failure, error_from_response, redact
from .client.gate import Gate, gate_session, shared_gate
from .client.pagination import RepeatedCursorError, ThreadCursorGuards, clamp_page_size, next_cursor
from .client.retry import Action, decide
from .client.sessions import (
    DEFAULT_REFRESH_AFTER,
    Grant,
    LoginLimitError,
    SessionManager,
    shared_login_budget,
    shared_session_manager,
    sign_in,
)
from .client.urls import InvalidBaseUrlError, api_url, token_url
from .config import API_ROOT_KEY, ConfigError
from .windows import WindowWalks

logger = logging.getLogger("airbyte")

_FAILURE_TYPES = {
    Failure.CONFIG: FailureType.config_error,
    Failure.TRANSIENT: FailureType.transient_error,
    Failure.SYSTEM: FailureType.system_error,
}
_DEFAULT_MAX_RETRIES = 6


# -- shared context --------------------------------------------------------------------------


@dataclass(frozen=True)
class BillContext:
    """Credentials, API root and (for sign-in based auth) the shared session manager; with OAuth
    the token endpoint, and the "session" is the access token."""

    credentials: Credentials
    api_root: str
    refresh_after: timedelta
    max_in_flight: int = limits.MAX_CONCURRENT_REQUESTS
    token_url: str | None = None

    @property
    def auth_type(self) -> str:
        return self.credentials.auth_type

    @property
    def session_key(self) -> str:
        return f"{self.api_root}|{self.credentials.fingerprint}"

    def sessions(self) -> SessionManager | None:
        """The process-wide session manager of these credentials (looked up on every call)."""
        if not self.credentials.uses_session:
            return None
        credentials, api_root, token_endpoint = self.credentials, self.api_root, self.token_url
        refresh_after = None if credentials.bearer else self.refresh_after  # a token lives by its expiry
        gate = self.gate()

        def build() -> SessionManager:
            http = requests.Session()
            gate_session(http, gate)  # the sign-in takes a request slot and counts in the budget
            return SessionManager(
                lambda: _masked(sign_in(http, credentials, api_root, token_endpoint)),
                refresh_after=refresh_after,
                budget=shared_login_budget(credentials.login_budget_key),
            )

        return shared_session_manager(self.session_key, build)

    def gate(self) -> Gate:
        """The request slots every request of these credentials shares (BILL's 3 in flight)."""
        return shared_gate(self.session_key, self.max_in_flight, self.credentials.login_budget_key)

    def redact(self, text: str) -> str:
        return redact(text, self.credentials.secrets)


def _masked(granted: str | Grant) -> str | Grant:
    """A session id or access token, registered with the CDK's secret filter: with `--debug` the CDK
    logs every request's headers, and it masks only the config's secret fields (the devKey, not the
    session)."""
    add_to_secrets(granted.value if isinstance(granted, Grant) else granted)
    return granted


def bill_context(config: Mapping[str, Any]) -> BillContext:
    """Build the context from the config, or raise a config error."""
    try:
        credentials = credentials_from_config(config)
        api_root = config.get(API_ROOT_KEY) or api_url(config.get("environment"), config.get("base_url"))
        token_endpoint = (
            token_url(config.get("environment"), config.get("base_url"), config.get("token_url"))
            if credentials.bearer
            else None
        )
    except (CredentialsError, InvalidBaseUrlError) as error:
        raise ConfigError(str(error)).traced() from None
    minutes = config.get("session_refresh_minutes")
    refresh_after = timedelta(minutes=int(minutes)) if minutes else DEFAULT_REFRESH_AFTER
    try:
        max_in_flight = int(config.get("max_concurrent_requests") or limits.MAX_CONCURRENT_REQUESTS)
    except (TypeError, ValueError):
        max_in_flight = limits.MAX_CONCURRENT_REQUESTS
    return BillContext(credentials, api_root, refresh_after, max(1, max_in_flight), token_endpoint)


def as_traced(
    error: Exception, context: BillContext | None, stream: str | None = None
) -> AirbyteTracedException:
    """Turn a client-package exception into the CDK's traced exception, secrets removed."""
    auth_type = context.auth_type if context else None
    api_root = context.api_root if context else None
    clean = context.redact if context else (lambda text: text)
    if isinstance(error, BillApiError):
        console = bool(getattr(context.credentials, "uses_console_token", False)) if context else False
        token = context.token_url if context else None
        message = messages.for_error(error, auth_type, api_root, console=console, token_url=token)
        failure = _FAILURE_TYPES[error.failure]
    elif isinstance(error, LoginLimitError):
        message, failure = messages.for_login_limit(str(error)), FailureType.transient_error
    elif isinstance(error, RepeatedCursorError):
        message, failure = messages.for_repeated_cursor(stream or "a stream"), FailureType.system_error
    elif isinstance(error, (requests.ConnectionError, requests.Timeout)):
        message = messages.for_unreachable(api_root, type(error).__name__, url=messages.failed_url(error))
        failure = FailureType.transient_error
    else:
        message, failure = (
            f"Unexpected error while talking to BILL: {type(error).__name__}",
            FailureType.system_error,
        )
    return AirbyteTracedException(
        message=filter_secrets(clean(message)),
        internal_message=filter_secrets(clean(str(error))),
        failure_type=failure,
    )


class _ContextMixin:
    config: Config
    _context: BillContext | None = None

    def context(self) -> BillContext:
        if self._context is None:
            self._context = bill_context(self.config)
        return self._context


# -- authentication --------------------------------------------------------------------------


@dataclass
class BillAuthenticator(_ContextMixin, DeclarativeAuthenticator):
    """Adds `devKey`+`sessionId` (AP/AR), `appKey`+`sessionId` (partner), `apiToken` (S&E) or
    `Authorization: Bearer` (OAuth)."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._context = None

    def get_auth_header(self) -> Mapping[str, Any]:
        context = self.context()
        session_id = None
        sessions = context.sessions()
        if sessions is not None:
            try:
                session_id = sessions.session_id()
            except AirbyteTracedException:
                raise
            except Exception as error:
                raise as_traced(error, context) from None
        return context.credentials.headers(session_id)

    @property
    def auth_header(self) -> str:
        return ""

    @property
    def token(self) -> str:
        return ""


# -- errors and backoff -----------------------------------------------------------------------


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


#: Attribute holding a response's parsed JSON body, so that it is parsed once, not once each by the
#: error handler, the record extractor and the paginator.
_PARSED_BODY = "_bill_parsed_body"


def parsed_body(response: requests.Response) -> Any:
    """The response's JSON body, parsed on first use and kept on the response.

    Raises `orjson.JSONDecodeError` (a `ValueError`) when the body is not JSON.
    """
    try:
        return getattr(response, _PARSED_BODY)
    except AttributeError:
        body = orjson.loads(response.content or b"")
        setattr(response, _PARSED_BODY, body)
        return body


def forget_parsed_body(response: requests.Response) -> None:
    """Drop the parsed body kept on `response` (it is parsed again when needed)."""
    response.__dict__.pop(_PARSED_BODY, None)


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
class BillBackoffStrategy(BackoffStrategy):
    """Waits per BILL error: next hour for BDC_1144 (up to a maximum), short for BDC_1322."""

    config: Config
    parameters: InitVar[Mapping[str, Any] | None] = None

    def __post_init__(self, parameters: Mapping[str, Any] | None) -> None:
        self._max_wait = int(self.config.get("max_rate_limit_wait_seconds", 3660))
        self._bearer = auth_type_of(self.config) == OAUTH

    def backoff_time(
        self, response_or_exception: requests.Response | requests.RequestException | None, attempt_count: int
    ) -> float | None:
        if not isinstance(response_or_exception, requests.Response):
            if isinstance(response_or_exception, requests.RequestException):
                return decide(response_or_exception, attempt_count).wait
            return limits.transient_backoff(attempt_count)
        response = response_or_exception
        error = error_from_response(response.status_code, response.content)
        decision = decide(error, attempt_count, bearer=self._bearer)
        if response.status_code == 429 and attempt_count == _DEFAULT_MAX_RETRIES + 1:
            # The CDK makes no attempt after this one and would report it as a bare "API rate limit
            # exceeded."; name the cause instead.
            message = filter_secrets(messages.for_error(error, None))
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.transient_error
            )
        if decision.action is Action.WAIT_FOR_NEXT_HOUR:
            wait = limits.seconds_until_next_hour(datetime.now(timezone.utc))
            if wait > self._max_wait:
                message = (
                    "BILL's hourly request limit for this developer key is used up (BDC_1144). The next hour starts in "
                    f"{int(wait)} seconds, more than 'Maximum wait for the hourly limit' ({self._max_wait} s), so the "
                    "sync stops here; the next sync resumes from the saved state."
                )
                raise AirbyteTracedException(
                    message=message, internal_message=message, failure_type=FailureType.transient_error
                )
            return wait
        return decision.wait if decision.retries else limits.transient_backoff(attempt_count)


@dataclass
class BillErrorHandler(_ContextMixin, ErrorHandler):
    """Reads BILL's error body (its code wins over the HTTP status) and decides what to do."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._context = None
        self._backoff = BillBackoffStrategy(config=self.config)
        self._renewals = _Renewals()

    @property
    def max_retries(self) -> int | None:
        return _DEFAULT_MAX_RETRIES

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


# -- pagination -------------------------------------------------------------------------------


@dataclass
class BillCursorPagination(PaginationStrategy):
    """Follows `nextPage` until it is absent or null; refuses a cursor seen earlier in the walk.

    `endpoint` (the request path, e.g. `/v3/spend/transactions`) caps the page size.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    page_size: int | str | None = None
    endpoint: str = ""
    #: Set by `partitions.tune_streams` on lists read in updatedTime windows (`windows.py`).
    window_walks: WindowWalks | None = None

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        requested = self.page_size
        if isinstance(requested, str):
            requested = InterpolatedString.create(requested, parameters=parameters).eval(self.config)
        self._page_size = clamp_page_size(self.endpoint or "/v3/", int(requested) if requested else None)
        self._stream = str(parameters.get("name") or self.endpoint)
        self._guards = ThreadCursorGuards()
        self._said: set[str] = set()

    @property
    def initial_token(self) -> Any | None:
        return None

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Record | None,
        last_page_token_value: Any | None = None,
        page_size_override: int | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> Any | None:
        try:
            page = parsed_body(response)
        except ValueError:
            return None
        cursor = next_cursor(page)
        if cursor is None:
            return None
        if self.window_walks is not None and self.window_walks.may_stop(stream_slice):
            return None  # checked: the rest of the list lies past this window's end (`windows.py`)
        results = page.get("results") if isinstance(page, Mapping) else None
        first_page = last_page_token_value is None
        empty = isinstance(results, list) and not results
        if empty:
            self._say(
                "empty page",
                "BILL sent an empty page that still carries a nextPage cursor; it is followed once, and "
                "a second empty page ends the walk.",
            )
        elif isinstance(results, list) and len(results) < self._page_size:
            self._say(
                "page size",
                f"BILL sent {len(results)} records on a page that is not the last, when {self._page_size} "
                "were asked for; the cursor is followed to the end as usual.",
            )
        try:
            return self._guards.follow(cursor, first_page=first_page, what=self._stream, empty_page=empty)
        except RepeatedCursorError as error:
            raise as_traced(error, None, self._stream) from None

    def _say(self, deviation: str, message: str) -> None:
        if deviation not in self._said:
            self._said.add(deviation)
            logger.warning(f"Stream {self._stream}: {message}")

    def get_page_size(self) -> int | None:
        return self._page_size


# -- records ----------------------------------------------------------------------------------


@dataclass
class BillRecordExtractor(RecordExtractor):
    """The `results` of a BILL list page.

    Same output as a DpathExtractor on `[results]`, without its cost: dpath walks every field of
    every record of the page to find one top-level key, and the decoder parses the body again.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    field_name: str = "results"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        pass

    def extract_records(self, response: requests.Response) -> Iterable[MutableMapping[Any, Any]]:
        try:
            body = parsed_body(response)
        except ValueError:
            return
        if not isinstance(body, Mapping):
            return
        extracted = body.get(self.field_name)
        if isinstance(extracted, list):
            yield from extracted
        elif extracted:
            yield extracted
