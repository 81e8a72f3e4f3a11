"""The three ways to authenticate to BILL, built from the connector config."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

AP_AR = "ap_ar"
PARTNER = "partner"
SPEND_EXPENSE = "spend_expense"
AUTH_TYPES = (AP_AR, PARTNER, SPEND_EXPENSE)


class CredentialsError(ValueError):
    """The config does not hold usable credentials."""


@lru_cache(maxsize=64)  # asked for on every request
def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, repr=False)
class ApArCredentials:
    """Organization-level sign-in: user (or sync-token name), password (or sync token), org, devKey."""

    username: str
    password: str
    organization_id: str
    dev_key: str

    auth_type: ClassVar[str] = AP_AR
    login_path: ClassVar[str] = "/v3/login"
    uses_session: ClassVar[bool] = True

    def login_body(self) -> dict[str, str]:
        return {
            "username": self.username,
            "password": self.password,
            "organizationId": self.organization_id,
            "devKey": self.dev_key,
        }

    def headers(self, session_id: str | None) -> dict[str, str]:
        return {"devKey": self.dev_key, "sessionId": session_id or ""}

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password, self.dev_key)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.auth_type, self.username, self.organization_id, *self.secrets)

    @property
    def login_budget_key(self) -> str:
        """BILL counts logins per developer key."""
        return _fingerprint("devKey", self.dev_key)

    def __repr__(self) -> str:
        return f"ApArCredentials(username={self.username!r}, organization_id={self.organization_id!r}, password='****', dev_key='****')"


@dataclass(frozen=True, repr=False)
class PartnerCredentials:
    """Partner-level sign-in with an app key."""

    username: str
    password: str
    app_key: str

    auth_type: ClassVar[str] = PARTNER
    login_path: ClassVar[str] = "/v3/partner/login"
    uses_session: ClassVar[bool] = True

    def login_body(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password, "appKey": self.app_key}

    def headers(self, session_id: str | None) -> dict[str, str]:
        return {"appKey": self.app_key, "sessionId": session_id or ""}

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

    def login_body(self) -> dict[str, str]:
        raise TypeError("Spend & Expense has no login")

    def headers(self, session_id: str | None = None) -> dict[str, str]:
        return {"apiToken": self.api_token}

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


Credentials = ApArCredentials | PartnerCredentials | SpendExpenseCredentials

_REQUIRED = {
    AP_AR: ("username", "password", "organization_id", "dev_key"),
    PARTNER: ("username", "password", "app_key"),
    SPEND_EXPENSE: ("api_token",),
}
_CLASSES = {AP_AR: ApArCredentials, PARTNER: PartnerCredentials, SPEND_EXPENSE: SpendExpenseCredentials}


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
        value = credentials.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CredentialsError(f"The {auth_type} credentials need a non-empty '{name}'.")
        # Secrets are kept verbatim; only identifiers are trimmed.
        values[name] = value.strip() if name in ("username", "organization_id") else value
    return _CLASSES[auth_type](**values)
