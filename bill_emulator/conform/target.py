"""The BILL a connector config points at: its API root, its kind of access and its secrets.

URL rules (environment, `base_url` override, `/v3` handling) and the credential checks of every auth
type (OAuth client credentials and the Accountant Console token included) come from the connector
(`source_bill.client`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from source_bill.client.auth import CredentialsError, credentials_from_config
from source_bill.client.urls import InvalidBaseUrlError, displayed, root_url

AUTH_TYPES = ("ap_ar", "partner", "spend_expense", "oauth")
#: Which lists and sign-in an auth type reaches: OAuth tokens act on the AP/AR API.
FAMILY = {"ap_ar": "ap_ar", "oauth": "ap_ar", "partner": "partner", "spend_expense": "spend"}
#: Credential fields whose values never leave this process.
SECRET_FIELDS = ("password", "console_api_token", "dev_key", "app_key", "api_token", "client_secret")
#: Not secret, but nothing a public report needs either (an email address, ids of the account): masked too.
PRIVATE_FIELDS = ("username", "client_id", "organization_id")
#: What a probe may need of the credentials (`source_bill.client.auth` checks them, one rule).
CREDENTIAL_FIELDS = (
    "username",
    "password",
    "console_api_token",
    "organization_id",
    "dev_key",
    "app_key",
    "api_token",
    "client_id",
    "client_secret",
)


class ConfigError(ValueError):
    """The config cannot be used: the message says what to fix, in one line, with no secret."""


@dataclass(frozen=True, repr=False)
class Target:
    """One BILL (or emulator) to probe, as a connector config describes it."""

    auth_type: str
    environment: str
    root: str  # the gateway root without /v3, e.g. https://gateway.stage.bill.com/connect
    credentials: Mapping[str, str]
    console: bool = False  # AP/AR signed in with an Accountant Console token in place of the password
    secrets: tuple[str, ...] = field(default=())  # masked wherever they could show: secrets and private ids

    @property
    def family(self) -> str:
        return FAMILY[self.auth_type]

    @property
    def api_root(self) -> str:
        return f"{self.root}/v3"

    @property
    def gateway_root(self) -> str:
        """The host's root (the root without its `/connect` path): where BILL may serve `/authx/token`."""
        parts = urlsplit(self.root)
        path = parts.path[: -len("/connect")] if parts.path.endswith("/connect") else ""
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    @property
    def shown_root(self) -> str:
        return displayed(self.root)

    def __repr__(self) -> str:
        return f"Target(auth_type={self.auth_type!r}, root={self.shown_root!r}, secrets='****')"


def target_from_config(config: Any) -> Target:
    """Check a connector config and describe the BILL it points at; `ConfigError` if unusable."""
    if not isinstance(config, Mapping):
        raise ConfigError("The config must be a JSON object with a 'credentials' object.")
    credentials = config.get("credentials")
    if not isinstance(credentials, Mapping):
        raise ConfigError("The config has no 'credentials' object.")
    auth_type = credentials.get("auth_type")
    if auth_type not in AUTH_TYPES:
        raise ConfigError(
            f"Unknown credentials.auth_type {auth_type!r}; expected one of {', '.join(AUTH_TYPES)}."
        )
    try:
        parsed = credentials_from_config(config)
    except CredentialsError as error:
        raise ConfigError(str(error)) from None
    console = bool(getattr(parsed, "console_api_token", ""))
    values = {
        name: value
        for name in CREDENTIAL_FIELDS
        if isinstance(value := getattr(parsed, name, ""), str) and value
    }
    if auth_type == "ap_ar" and not values["organization_id"].startswith("008"):
        raise ConfigError("The ap_ar credentials' 'organization_id' must start with 008.")
    environment = config.get("environment") or "production"
    if environment not in ("production", "sandbox"):
        raise ConfigError(f"Unknown environment {environment!r}; use 'production' or 'sandbox'.")
    base_url = config.get("base_url")
    if base_url is not None and not isinstance(base_url, str):
        raise ConfigError("'base_url' must be a string.")
    try:
        root = root_url(environment, base_url)
    except InvalidBaseUrlError as error:
        raise ConfigError(str(error)) from None
    secrets = tuple(
        value
        for name, value in credentials.items()
        if name in SECRET_FIELDS + PRIVATE_FIELDS and isinstance(value, str) and value
    )
    return Target(
        auth_type=str(auth_type),
        environment=str(environment),
        root=root,
        credentials=values,
        console=console,
        secrets=secrets,
    )
