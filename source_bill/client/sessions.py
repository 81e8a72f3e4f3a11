"""BILL sign-in and a thread-safe session shared by every request of a sync.

Rules (REFERENCE §2): a session dies after 35 idle minutes (every call resets the timer);
an invalid session answers 401 BDC_1109; at most 200 logins per hour per developer key.

An OAuth access token (REFERENCE §2.6) is handled as a session with a fixed lifetime: one token for
every request in flight, renewed shortly before the `expires_in` of its answer runs out (not when
idle), and once when BILL refuses it. Token requests count as logins of the client id.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from .auth import ApArCredentials, Credentials, OAuthCredentials, PartnerCredentials
from .errors import BillApiError, ErrorBody, ErrorKind, error_from_response
from .gate import reset_gates
from .limits import LOGINS_PER_HOUR, SESSION_IDLE_TIMEOUT
from .retry import decide, retries_at_sign_in
from .urls import TOKEN_PATH, endpoint_url

#: Re-login proactively after this much idle time, safely before BILL's 35 minutes.
DEFAULT_REFRESH_AFTER = timedelta(minutes=30)
#: Login attempts for transient failures (5xx, BDC_1322, dropped connections).
DEFAULT_LOGIN_ATTEMPTS = 3
DEFAULT_TIMEOUT = (10.0, 60.0)
#: An access token is renewed this share of its lifetime before it expires, at most a minute before:
#: a request sent with it still arrives in time, and a short-lived token is not renewed constantly.
TOKEN_RENEWAL_SHARE = 0.1
TOKEN_RENEWAL_MARGIN_SECONDS = 60.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class Grant:
    """What a sign-in gives: the value to send, and for an access token its lifetime in seconds."""

    value: str
    expires_in: float | None = None

    def __repr__(self) -> str:
        return f"Grant(value='****', expires_in={self.expires_in!r})"


def renewal_delay(expires_in: float) -> float:
    """Seconds after its request at which a token of this lifetime is renewed."""
    return expires_in - min(TOKEN_RENEWAL_MARGIN_SECONDS, expires_in * TOKEN_RENEWAL_SHARE)


class LoginLimitError(RuntimeError):
    """This process would exceed BILL's limit of logins per hour."""


def _monotonic() -> float:
    # Looked up at call time so test clocks (freezegun) apply.
    return time.monotonic()


def login(
    http: requests.Session,
    api_root: str,
    credentials: ApArCredentials | PartnerCredentials,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> str:
    """Sign in once and return the `sessionId`.

    AP/AR: `POST /v3/login {username, password, organizationId, devKey}`.
    Partner: `POST /v3/partner/login {username, password, appKey}`.
    Raises `BillApiError` (classified) or a `requests` exception.
    """
    path = credentials.login_path
    response = http.post(
        endpoint_url(api_root, path),
        json=credentials.login_body(),
        headers={"Accept": "application/json", "Content-Type": "application/json"},
        timeout=timeout,
    )
    payload = _signed_in_answer(response, path)
    session_id = payload.get("sessionId") if isinstance(payload, dict) else None
    if not isinstance(session_id, str) or not session_id:
        raise BillApiError(
            response.status_code,
            ErrorBody(items=(), envelope="non_json", text="login answer without a sessionId"),
            kind=ErrorKind.NOT_BILL,
            method="POST",
            path=path,
        )
    return session_id


def _signed_in_answer(response: requests.Response, path: str) -> Any:
    """A sign-in's (or token request's) JSON answer, None when it is not JSON; BILL's error, raised."""
    if response.status_code >= 400:
        raise error_from_response(response.status_code, response.content, method="POST", path=path)
    try:
        return response.json()
    except ValueError:
        return None


def request_token(
    http: requests.Session,
    url: str,
    credentials: OAuthCredentials,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> Grant:
    """Trade the client id and secret for an access token: `POST <token URL>` with form data
    `grant_type=client_credentials&client_id=…&client_secret=…` (REFERENCE §2.6).

    The answer's `access_token` and `expires_in` are RFC 6749's names; BILL does not document them
    (an `expires_in` missing or not a positive number leaves the token to be renewed when refused).
    Raises `BillApiError` (classified; RFC 6749 error objects included) or a `requests` exception.
    """
    path = urlsplit(url).path or TOKEN_PATH
    response = http.post(
        url, data=credentials.token_form(), headers={"Accept": "application/json"}, timeout=timeout
    )
    payload = _signed_in_answer(response, path)
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise BillApiError(
            response.status_code,
            ErrorBody(items=(), envelope="non_json", text="token answer without an access_token"),
            kind=ErrorKind.NOT_BILL,
            method="POST",
            path=path,
        )
    return Grant(token, _lifetime(payload.get("expires_in")))


def _lifetime(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def sign_in(
    http: requests.Session,
    credentials: Credentials,
    api_root: str,
    token_endpoint: str | None,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> str | Grant:
    """One sign-in, whatever the credentials: a session from the login, or an access token."""
    if isinstance(credentials, OAuthCredentials):
        if not token_endpoint:
            raise ValueError("OAuth credentials need the token endpoint's URL")
        return request_token(http, token_endpoint, credentials, timeout=timeout)
    if isinstance(credentials, ApArCredentials | PartnerCredentials):
        return login(http, api_root, credentials, timeout=timeout)
    raise TypeError(f"{credentials.auth_type} credentials have no sign-in")


class LoginBudget:
    """Sliding one-hour window of login attempts."""

    def __init__(self, limit: int = LOGINS_PER_HOUR, *, clock: Clock | None = None) -> None:
        self.limit = limit
        self._clock = clock or _monotonic
        self._attempts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Record one login attempt, or raise `LoginLimitError` if the hour is used up."""
        with self._lock:
            now = self._clock()
            while self._attempts and now - self._attempts[0] >= 3600:
                self._attempts.popleft()
            if len(self._attempts) >= self.limit:
                raise LoginLimitError(
                    f"Refusing to log in to BILL again: {self.limit} logins in the last hour would exceed "
                    f"BILL's limit of {LOGINS_PER_HOUR} logins per hour per developer key."
                )
            self._attempts.append(now)

    @property
    def used(self) -> int:
        with self._lock:
            return len(self._attempts)


@dataclass
class _Session:
    id: str
    last_used: float
    from_recovery: bool
    confirmed: bool = False
    renew_at: float | None = None  # an access token: when to renew it (fixed, from its lifetime)


class SessionManager:
    """One BILL session (or access token) shared by all threads; re-login when idle too long, when
    a token nears its expiry, or when BILL says so.

    * `session_id()` returns the current session, logging in (once, under a lock) when there is
      none, it has been idle for `refresh_after` (None: never idle out), or it is a token past its
      renewal time; every call counts as use (sliding timer).
    * `report_invalid(sid)` is called when a request sent with `sid` got BDC_1109. It drops the
      session so the next `session_id()` logs in again, once for all requests in flight, and says
      whether a retry can help (not when a brand-new session was rejected).
    * `confirm(sid)` marks a session as accepted by BILL.
    """

    def __init__(
        self,
        login_fn: Callable[[], str | Grant],
        *,
        refresh_after: timedelta | None = DEFAULT_REFRESH_AFTER,
        budget: LoginBudget | None = None,
        login_attempts: int = DEFAULT_LOGIN_ATTEMPTS,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if refresh_after is not None and refresh_after >= SESSION_IDLE_TIMEOUT:
            raise ValueError("refresh_after must be shorter than BILL's 35-minute idle timeout")
        self._login_fn = login_fn
        self._refresh_after = math.inf if refresh_after is None else refresh_after.total_seconds()
        self._clock = clock or _monotonic
        self._budget = budget or LoginBudget(clock=self._clock)
        self._login_attempts = max(1, login_attempts)
        self._sleep = sleep or time.sleep
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._recover_next = False
        self.login_count = 0

    def session_id(self) -> str:
        with self._lock:
            now = self._clock()
            session = self._session
            if (
                session is None
                or now - session.last_used >= self._refresh_after
                or (session.renew_at is not None and now >= session.renew_at)
            ):
                session = self._login()
            session.last_used = self._clock()
            return session.id

    def report_invalid(self, session_id: str | None) -> bool:
        with self._lock:
            current = self._session
            if current is None or session_id != current.id:
                # Another request already dropped (or replaced) this session.
                return session_id is not None
            if current.from_recovery and not current.confirmed:
                return False
            self._session = None
            self._recover_next = True
            return True

    def confirm(self, session_id: str | None) -> None:
        with self._lock:
            if self._session is not None and self._session.id == session_id:
                self._session.confirmed = True

    def invalidate(self) -> None:
        with self._lock:
            self._session = None

    def _login(self) -> _Session:
        last_error: Exception | None = None
        for attempt in range(1, self._login_attempts + 1):
            self._budget.acquire()
            self.login_count += 1
            asked_at = self._clock()  # a token's lifetime runs from its request, to be safe
            try:
                granted = self._login_fn()
            except (BillApiError, requests.ConnectionError, requests.Timeout) as error:
                decision = decide(error, attempt)
                if not retries_at_sign_in(decision):
                    raise
                last_error, wait = error, decision.wait
            else:
                grant = granted if isinstance(granted, Grant) else Grant(granted)
                renew_at = asked_at + renewal_delay(grant.expires_in) if grant.expires_in else None
                self._session = _Session(
                    grant.value, self._clock(), from_recovery=self._recover_next, renew_at=renew_at
                )
                self._recover_next = False
                return self._session
            if attempt < self._login_attempts:
                self._sleep(wait)
        assert last_error is not None
        raise last_error


_registry: dict[str, SessionManager] = {}
_budgets: dict[str, LoginBudget] = {}
_registry_lock = threading.RLock()
#: Logins per hour this process may spend per key: all of BILL's, or its share when several
#: processes read with one developer key (`share_logins`).
_logins_per_hour = LOGINS_PER_HOUR


def share_logins(processes: int) -> None:
    """Let this process spend 1/`processes` of BILL's logins per hour (one of several children
    reading with one developer key); budgets made before keep their limit."""
    global _logins_per_hour
    _logins_per_hour = max(1, LOGINS_PER_HOUR // max(1, processes))


def shared_login_budget(key: str) -> LoginBudget:
    """The process-wide login budget for `key` (one per developer or app key); survives resets."""
    with _registry_lock:
        budget = _budgets.get(key)
        if budget is None:
            budget = _budgets[key] = LoginBudget(_logins_per_hour)
        return budget


def shared_session_manager(key: str, factory: Callable[[], SessionManager]) -> SessionManager:
    """The process-wide manager for `key` (API root + credentials fingerprint), created once.

    Looked up three times a request: found without the lock (a dict read is atomic), which many
    organizations' threads read at once would otherwise queue on."""
    manager = _registry.get(key)
    if manager is not None:
        return manager
    with _registry_lock:
        manager = _registry.get(key)
        if manager is None:
            manager = _registry[key] = factory()
        return manager


def reset_shared_sessions(*, include_login_budgets: bool = False) -> None:
    """Forget every shared session and request gate (start of a sync); tests and a child that reads
    organizations for its parent (forked with the parent's budgets) also forget the login budgets."""
    with _registry_lock:
        _registry.clear()
        if include_login_budgets:
            _budgets.clear()
    reset_gates()
