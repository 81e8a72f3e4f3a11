"""`check`: sign in and make one real list call, then explain any failure precisely.

With OAuth client credentials one access token may reach AP/AR, Spend & Expense or both (it has
the permissions of the user who created the developer app): `check` reads one record of each and
says which it reaches, and discover leaves out the streams of a product the token cannot reach.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from . import messages
from .client.auth import AP_AR, OAUTH, OAUTH_PRODUCTS, PARTNER, SPEND_EXPENSE, auth_type_of
from .client.client import BillClient
from .client.errors import BillApiError, ErrorBody, ErrorKind, Failure, redact
from .client.pagination import RepeatedCursorError
from .client.sessions import LoginLimitError
from .config import ConfigError, validate_config
from .organizations import client_organizations, listed_organizations, login_organizations, reads_many

#: The list each auth type (with OAuth: each product) reads to prove access (one record).
CHECK_PATHS: Mapping[str, str] = {
    AP_AR: "/v3/vendors",
    PARTNER: "/v3/partner/organizations",
    SPEND_EXPENSE: "/v3/spend/users",
}
PRODUCT_NAMES: Mapping[str, str] = {AP_AR: "AP/AR", SPEND_EXPENSE: "Spend & Expense"}


@dataclass
class Reach:
    """What an OAuth access token reaches: products read, and why the others were refused."""

    reached: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.reached:
            reasons = " ".join(f"{PRODUCT_NAMES[p]}: {reason}" for p, reason in self.refused.items())
            return f"The OAuth access token reaches neither AP/AR nor Spend & Expense. {reasons}"
        text = f"The OAuth access token reaches {' and '.join(PRODUCT_NAMES[p] for p in self.reached)}."
        for product, reason in self.refused.items():
            text += f" It does not reach {PRODUCT_NAMES[product]}, whose streams are left out: {reason}"
        return text


def _client(config: Mapping[str, Any], http: requests.Session | None) -> BillClient:
    # A check should answer quickly: one retry, short waits.
    return BillClient.from_config(
        config,
        http=http,
        max_retries=1,
        timeout=(10.0, 30.0),
        sleep=lambda seconds: time.sleep(min(seconds, 2.0)),
    )


def _read_one(client: BillClient, path: str) -> None:
    page = client.get(path, max=1)
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise BillApiError(
            200,
            ErrorBody(items=(), envelope="object", text="list answer without results"),
            kind=ErrorKind.NOT_BILL,
        )


def _explain(error: Exception, client: BillClient) -> str:
    """The user's message for what ended a check, secrets removed."""
    if isinstance(error, BillApiError):
        message = messages.for_error(
            error,
            client.credentials.auth_type,
            client.api_root,
            console=bool(getattr(client.credentials, "uses_console_token", False)),
            token_url=client.token_url,
        )
        return redact(message, client.credentials.secrets)
    if isinstance(error, LoginLimitError):
        return messages.for_login_limit(str(error))
    url = messages.failed_url(error)
    if isinstance(error, requests.exceptions.SSLError):
        reason = "TLS/SSL error"
    elif isinstance(error, requests.Timeout):
        reason = "the connection timed out"
    elif isinstance(error, requests.ConnectionError):
        reason = "the connection failed (DNS or network)"
    else:
        reason = type(error).__name__
    return messages.for_unreachable(client.api_root, reason, url=url)


def product_reach(client: BillClient) -> Reach:
    """Read one record of each product an OAuth token may reach.

    A product whose list refuses the token (after one new token: `BillClient.request`) or the user
    is refused; anything else (the token endpoint refusing the client, BILL busy, the network) is
    raised, as it says nothing about the product.
    """
    reach = Reach()
    for product in OAUTH_PRODUCTS:
        try:
            _read_one(client, CHECK_PATHS[product])
        except BillApiError as error:
            if error.failure is not Failure.CONFIG or messages.is_token_path(error.path):
                raise
            reach.refused[product] = _explain(error, client)
        else:
            reach.reached.append(product)
    return reach


def check_connection(
    config: Mapping[str, Any], *, http: requests.Session | None = None
) -> tuple[bool, str | None]:
    """Return (True, None) when BILL accepts the credentials, else (False, actionable message).

    With OAuth a success carries a message too: which products the token reaches.
    """
    try:
        validate_config(config)
    except ConfigError as error:
        return False, str(error)
    auth_type = auth_type_of(config)
    client = _client(config, http)
    try:
        if auth_type == OAUTH:
            reach = product_reach(client)
            return bool(reach.reached), reach.summary()
        _read_one(client, CHECK_PATHS[str(auth_type)])
        if reads_many(config):
            return organizations_reached(client, config)
    except (BillApiError, LoginLimitError, RepeatedCursorError, requests.RequestException) as error:
        return False, _explain(error, client)
    return True, None


def organizations_reached(client: BillClient, config: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether BILL lists, for the signed-in user, every organization the config names (with
    `all_organizations`: at least one), and which are read."""
    entries = login_organizations(client)
    wanted = listed_organizations(config)
    if wanted is None:
        readable = client_organizations(entries)
        if not readable:
            return False, (
                "BILL lists no organization this user can read (GET /v3/login/organizations), so "
                "'all_organizations' would read nothing. Name the organizations in 'organization_ids' instead."
            )
        return True, f"{len(readable)} organizations will be read: {', '.join(readable)}."
    listed = {entry.id for entry in entries}
    missing = [organization for organization in wanted if organization not in listed]
    if missing:
        return False, (
            f"BILL does not list {', '.join(missing)} among the organizations this user can reach "
            "(GET /v3/login/organizations). Check the IDs, and that the user has API access there."
        )
    return True, f"{len(wanted)} organizations will be read: {', '.join(wanted)}."


def discoverable_products(config: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """The products whose streams discover lists for an OAuth config, and why any is left out (None
    when the token reaches every product).

    A refusal of the client credentials raises `ConfigError`; when BILL cannot be asked (busy, the
    network), every product is listed: its streams then say at read time what is wrong.
    """
    client = _client(config, None)
    try:
        reach = product_reach(client)
    except BillApiError as error:
        if error.failure is Failure.CONFIG:
            raise ConfigError(_explain(error, client)) from None
        problem: Exception = error
    except (LoginLimitError, requests.RequestException) as error:
        problem = error
    else:
        return reach.reached, reach.summary() if reach.refused else None
    note = f"Could not tell which BILL products the access token reaches, so all are listed: {_explain(problem, client)}"
    return list(OAUTH_PRODUCTS), note
