"""Which BILL organizations a sync reads: the config's one, the ones it lists, or all the user reaches.

An AP/AR user often belongs to several organizations (one per legal entity of a company, or an
accounting firm's client organizations under its Accountant Console). `organization_ids` names
them; `all_organizations` reads every organization `GET /v3/login/organizations` lists for the
user, except console organizations (the parents of client organizations: they hold no AP/AR data).
`organization_id` stays the organization the first sign-in uses, the one the list is asked from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .client.auth import AP_AR, auth_type_of
from .client.client import BillClient
from .client.pagination import CursorGuard

ORGANIZATION_IDS = "organization_ids"
ALL_ORGANIZATIONS = "all_organizations"
#: BILL's list of the organizations the session's user can reach (changelog 2026-01-21), 100 a page.
LOGIN_ORGANIZATIONS_PATH = "/v3/login/organizations"
#: More pages than any user has organizations: a list that goes on is a BILL fault, not a long list.
_MAX_PAGES = 1_000


@dataclass(frozen=True)
class LoginOrganization:
    """One entry of `GET /v3/login/organizations`: an organization and its console parent, if any."""

    id: str
    name: str | None = None
    console_id: str | None = None


def reads_many(config: Mapping[str, Any]) -> bool:
    """Whether the config asks for more than its `organization_id` (AP/AR credentials only)."""
    credentials = config.get("credentials")
    if auth_type_of(config) != AP_AR or not isinstance(credentials, Mapping):
        return False
    return bool(credentials.get(ALL_ORGANIZATIONS)) or bool(credentials.get(ORGANIZATION_IDS))


def listed_organizations(config: Mapping[str, Any]) -> list[str] | None:
    """The config's `organization_ids` (trimmed, each once, in order), or None for all organizations."""
    credentials = config["credentials"]
    if credentials.get(ALL_ORGANIZATIONS):
        return None
    ids = (str(value).strip() for value in credentials.get(ORGANIZATION_IDS) or [])
    return list(dict.fromkeys(value for value in ids if value))


def config_for(config: Mapping[str, Any], organization_id: str) -> dict[str, Any]:
    """The config of one organization's read: the same credentials, signed in to `organization_id`."""
    credentials = {
        key: value
        for key, value in config["credentials"].items()
        if key not in (ORGANIZATION_IDS, ALL_ORGANIZATIONS)
    }
    return {**config, "credentials": {**credentials, "organization_id": organization_id}}


def first_organization(config: Mapping[str, Any]) -> str:
    return str(config["credentials"]["organization_id"]).strip()


def parse_login_organizations(results: Iterable[Any]) -> list[LoginOrganization]:
    """The entries of a page's `results`.

    BILL documents the list but not its fields: an entry's id is read from `id`, `organizationId` or
    `organization.id`, and its console parent from `consoleOrganization.id` or `consoleOrganizationId`
    (docs/reliability.md). An entry without an id is skipped.
    """
    found = []
    for entry in results:
        if not isinstance(entry, Mapping):
            continue
        nested = entry.get("organization") if isinstance(entry.get("organization"), Mapping) else {}
        organization_id = entry.get("id") or entry.get("organizationId") or nested.get("id")
        if not organization_id:
            continue
        console = entry.get("consoleOrganization")
        console_id = console.get("id") if isinstance(console, Mapping) else entry.get("consoleOrganizationId")
        name = entry.get("name") or entry.get("organizationName") or nested.get("name")
        found.append(LoginOrganization(str(organization_id), name, str(console_id) if console_id else None))
    return found


def login_organizations(client: BillClient) -> list[LoginOrganization]:
    """Every entry of `GET /v3/login/organizations`, page after page (`page` = the `nextPage` given)."""
    guard = CursorGuard(LOGIN_ORGANIZATIONS_PATH)
    params: dict[str, Any] = {}
    entries: list[LoginOrganization] = []
    for _ in range(_MAX_PAGES):
        page = client.get(LOGIN_ORGANIZATIONS_PATH, **params)
        if not isinstance(page, Mapping):
            break
        results = page.get("results") or []
        entries.extend(parse_login_organizations(results))
        cursor = page.get("nextPage")
        followed = guard.follow(str(cursor), empty_page=not results) if cursor else None
        if followed is None:
            break
        params = {"page": followed}
    return entries


def client_organizations(entries: Iterable[LoginOrganization]) -> list[str]:
    """The organizations to read: each listed one, in the list's order, except console organizations
    (an id that is some entry's console parent)."""
    entries = list(entries)
    consoles = {entry.console_id for entry in entries if entry.console_id}
    return list(dict.fromkeys(entry.id for entry in entries if entry.id not in consoles))
