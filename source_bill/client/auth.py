"""The ways to authenticate to BILL, built from the connector config.

* `ap_ar`: an organization user (or sync token, or Accountant Console API token) and a developer key;
  `POST /v3/login` opens a session.
* `partner`: a partner user and an app key; `POST /v3/partner/login`.
* `spend_expense`: a Spend & Expense API token in the `apiToken` header; no sign-in.
* `oauth`: BILL's 2026 OAuth client credentials (REFERENCE §2.6), a developer app's client id and
  secret traded at the token endpoint for a short-lived access token sent as `Bearer`, on AP/AR and
  Spend & Expense alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

AP_AR = "ap_ar"
PARTNER = "partner"
SPEND_EXPENSE = "spend_expense"
OAUTH = "oauth"
AUTH_TYPES = (AP_AR, PARTNER, SPEND_EXPENSE, OAUTH)
#: What an OAuth access token may reach: the products of the app's organization (not partners).
OAUTH_PRODUCTS = (AP_AR, SPEND_EXPENSE)


class CredentialsError(ValueError):
    """The config does not hold usable credentials."""


@lru_cache(maxsize=64)  # asked for on every request
def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, repr=False)
class ApArCredentials:
    """Organization-level sign-in: a user (or sync-token name) with a password (or sync token), or an
    accounting firm's console user with an Accountant Console API token; the org and devKey."""

    username: str
    password: str
    organization_id: str
    dev_key: str
    console_api_token: str = ""

    auth_type: ClassVar[str] = AP_AR
    login_path: ClassVar[str] = "/v3/login"
    uses_session: ClassVar[bool] = True
    bearer: ClassVar[bool] = False

    @property
    def uses_console_token(self) -> bool:
        return bool(self.console_api_token)

    def login_body(self) -> dict[str, str]:
        # The console token stands where the password stands (BILL's Accountant Console docs).
        secret = (
            {"consoleApiToken": self.console_api_token}
            if self.console_api_token
            else {"password": self.password}
        )
        return {
            "username": self.username,
            **secret,
            "organizationId": self.organization_id,
            "devKey": self.dev_key,
        }

    def headers(self, session_id: str | None) -> dict[str, str]:
        return {"devKey": self.dev_key, "sessionId": session_id or ""}

    def sent_session(self, headers: Mapping[str, Any]) -> str | None:
        """The session a request was sent with."""
        return _header(headers, "sessionId")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.password, self.dev_key, self.console_api_token) if value)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.auth_type, self.username, self.organization_id, *self.secrets)

    @property
    def login_budget_key(self) -> str:
        """BILL counts logins per developer key."""
        return _fingerprint("devKey", self.dev_key)

    def __repr__(self) -> str:
        secret = "console_api_token" if self.console_api_token else "password"
        return (
            f"ApArCredentials(username={self.username!r}, organization_id={self.organization_id!r}, "
            f"{secret}='****', dev_key='****')"
        )


@dataclass(frozen=True, repr=False)
class PartnerCredentials:
    """Partner-level sign-in with an app key."""

    username: str
    password: str
    app_key: str

    auth_type: ClassVar[str] = PARTNER
    login_path: ClassVar[str] = "/v3/partner/login"
    uses_session: ClassVar[bool] = True
    bearer: ClassVar[bool] = False

    def login_body(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password, "appKey": self.app_key}

    def headers(self, session_id: str | None) -> dict[str, str]:
        return {"appKey": self.app_key, "sessionId": session_id or ""}

    def sent_session(self, headers: Mapping[str, Any]) -> str | None:
        return _header(headers, "sessionId")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password, self.app_key)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.auth_type, self.username, *self.secrets)

    @property
    def login_budget_key(self) -> str:
        return _fingerprint("appKey", self.app_key)

    def __repr__(self) -> str:
        return f"PartnerCredentials(username={self.username!r}, password='****', app_key='****')"


@dataclass(frozen=True, repr=False)
class SpendExpenseCredentials:
    """Spend & Expense API token, sent as the `apiToken` header; no login."""

    api_token: str

    auth_type: ClassVar[str] = SPEND_EXPENSE
    login_path: ClassVar[str | None] = None
    uses_session: ClassVar[bool] = False
    bearer: ClassVar[bool] = False

    def login_body(self) -> dict[str, str]:
        raise TypeError("Spend & Expense has no login")

    def headers(self, session_id: str | None = None) -> dict[str, str]:
        return {"apiToken": self.api_token}

    def sent_session(self, headers: Mapping[str, Any]) -> str | None:
        return None

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.api_token,)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.auth_type, *self.secrets)

    @property
    def login_budget_key(self) -> str:
        return _fingerprint("apiToken", self.api_token)

    def __repr__(self) -> str:
        return "SpendExpenseCredentials(api_token='****')"


@dataclass(frozen=True, repr=False)
class OAuthCredentials:
    """A developer app's client id and secret (OAuth 2.0 client credentials, REFERENCE §2.6).

    The "session" is the access token from the token endpoint, sent as `Authorization: Bearer`; it
    acts for the app's organization on AP/AR and Spend & Expense (never on partner routes).
    """

    client_id: str
    client_secret: str

    auth_type: ClassVar[str] = OAUTH
    login_path: ClassVar[str | None] = None  # the token endpoint is a URL of its own (`urls.token_url`)
    uses_session: ClassVar[bool] = True
    bearer: ClassVar[bool] = True

    def token_form(self) -> dict[str, str]:
        """The token request's form data (RFC 6749 §4.4, client secret in the body as BILL documents)."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def headers(self, session_id: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {session_id or ''}"}

    def sent_session(self, headers: Mapping[str, Any]) -> str | None:
        scheme, _, token = str(headers.get("Authorization") or "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.client_secret,)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.auth_type, self.client_id, *self.secrets)

    @property
    def login_budget_key(self) -> str:
        """BILL counts token requests as logins of the client id (docs/emulator.md, an assumption)."""
        return _fingerprint("clientId", self.client_id)

    def __repr__(self) -> str:
        return f"OAuthCredentials(client_id={self.client_id!r}, client_secret='****')"


Credentials = ApArCredentials | PartnerCredentials | SpendExpenseCredentials | OAuthCredentials

_REQUIRED = {
    AP_AR: ("username", "organization_id", "dev_key"),
    PARTNER: ("username", "password", "app_key"),
    SPEND_EXPENSE: ("api_token",),
    OAUTH: ("client_id", "client_secret"),
}
_CLASSES = {
    AP_AR: ApArCredentials,
    PARTNER: PartnerCredentials,
    SPEND_EXPENSE: SpendExpenseCredentials,
    OAUTH: OAuthCredentials,
}
#: Identifiers, trimmed; every other value is a secret and kept verbatim.
_IDENTIFIERS = ("username", "organization_id", "client_id")
#: AP/AR signs in with exactly one of these (a sync token goes in `password`).
AP_AR_SECRETS = ("password", "console_api_token")


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    return str(value) if value else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def auth_type_of(config: Mapping[str, Any]) -> str | None:
    """The configured `credentials.auth_type`, or None."""
    credentials = config.get("credentials")
    if isinstance(credentials, Mapping):
        value = credentials.get("auth_type")
        return str(value) if value else None
    return None


def credentials_from_config(config: Mapping[str, Any]) -> Credentials:
    """Build credentials from the connector config's `credentials` object."""
    credentials = config.get("credentials")
    if not isinstance(credentials, Mapping):
        raise CredentialsError("The config has no 'credentials' object.")
    auth_type = credentials.get("auth_type")
    if auth_type not in _REQUIRED:
        raise CredentialsError(
            f"Unknown credentials.auth_type {auth_type!r}; expected one of {', '.join(AUTH_TYPES)}."
        )
    values = {}
    for name in _REQUIRED[auth_type]:
        value = _text(credentials.get(name))
        if value is None:
            raise CredentialsError(f"The {auth_type} credentials need a non-empty '{name}'.")
        values[name] = value.strip() if name in _IDENTIFIERS else value
    if auth_type == AP_AR:
        values.update({"password": "", **_ap_ar_secret(credentials)})
    return _CLASSES[auth_type](**values)


def _ap_ar_secret(credentials: Mapping[str, Any]) -> dict[str, str]:
    """The one AP/AR secret given: the password (or sync token), or the console API token."""
    given = {name: _text(credentials.get(name)) for name in AP_AR_SECRETS}
    present = [name for name, value in given.items() if value is not None]
    if not present:
        raise CredentialsError(
            "The ap_ar credentials need a 'password' (the user's password, or the sync token named in "
            "'username') or a 'console_api_token' (an Accountant Console API token)."
        )
    if len(present) > 1:
        raise CredentialsError(
            "The ap_ar credentials have both a 'password' and a 'console_api_token': give only one. The "
            "console API token signs in in place of the password."
        )
    return {name: value for name, value in given.items() if value is not None}
