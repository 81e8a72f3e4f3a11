"""What every component of a sync shares: the credentials, the API root, the session and the
request slots of those credentials (`BillContext`), built once from the config (`bill_context`).

Also the one way a client-package exception becomes the CDK's traced exception (`as_traced`):
the user's message (`messages.py`), the failure type, and no secret in either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.types import Config
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from . import messages
from .client import limits
from .client.auth import Credentials, CredentialsError, credentials_from_config
from .client.errors import BillApiError, Failure, redact
from .client.gate import Gate, gate_session, shared_gate
from .client.pagination import RepeatedCursorError
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

_FAILURE_TYPES = {
    Failure.CONFIG: FailureType.config_error,
    Failure.TRANSIENT: FailureType.transient_error,
    Failure.SYSTEM: FailureType.system_error,
}


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


class ContextMixin:
    """The context of a component's `config`, built on first use."""

    config: Config
    _context: BillContext | None = None

    def context(self) -> BillContext:
        if self._context is None:
            self._context = bill_context(self.config)
        return self._context
