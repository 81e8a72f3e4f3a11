"""The organizations one BILL login reaches: memberships, an Accountant Console and its client
organizations, the login organizations list (`GET /v3/login/organizations`), and organizations that
refuse sign-in.

A login (username and password) is the same in every organization its user belongs to; each
organization holds a user object of its own for that person (its own userId, ADMINISTRATOR in the
seed), and `POST /v3/login`'s organizationId chooses the organization a session acts in (one `user`
credential per organization: auth.py).

An Accountant Console is an organization of its own, an accounting firm's, the parent of its client
organizations. Its users reach it like any organization (it is listed, and they may sign in to it),
but it has no AP/AR data: a session there reaches only the routes declared `console` (the session's
details, the login organizations, the console's own details); every other route answers 403 BDC_1145.

An organization refuses sign-in when it has no API access (`NO_API_ACCESS`): `POST /v3/login` to it
answers 403 BDC_1105 whoever signs in (auth.py); `refuse_sign_in` takes the access away at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.auth import NO_API_ACCESS, ORG, Principal
from bill_emulator.backends.context import Context
from bill_emulator.backends.oauth import OAUTH
from bill_emulator.backends.organizations import build_organization, build_user, seed_roles
from bill_emulator.errors import BillApiError
from bill_emulator.query import Page, parse_list_query
from bill_emulator.resources import Resource

CONSOLE = "console_organization"  # credentials: a console organization (principal and scope: its id)
CONSOLE_CLIENT = "console_client"  # credentials: a client organization (principal), its console (scope)
LOGIN = "user"  # credentials: username -> password, one row per organization the login reaches

# The login organizations list: no filters, no sort, 100 a page (BILL: "You get 100 results on one
# page"); pages follow the default order of the emulator's lists, createdTime then id.
LOGIN_ORGANIZATIONS = Resource(
    "login_organizations",
    "Organization",
    "008",
    lambda _ctx, data: data,
    filters={},
    sorts=frozenset(),
    max_page=100,
    default_page=100,
)


# -- the Accountant Console -------------------------------------------------------------------------
def is_console(ctx: Context, organization_id: str) -> bool:
    return bool(ctx.store.credentials(CONSOLE, organization_id))


def console_of(ctx: Context, organization_id: str) -> str | None:
    """The console organization a client organization belongs to, if any."""
    rows = ctx.store.credentials(CONSOLE_CLIENT, organization_id)
    return rows[0][2] if rows else None


def refuse_in_console(ctx: Context, principal: Principal | None) -> None:
    """An AP/AR call in a session of a console organization: 403 BDC_1145 (it has no AP/AR data)."""
    if principal is not None and principal.kind == ORG and is_console(ctx, principal.scope):
        raise BillApiError(
            "BDC_1145",
            "This is an Accountant Console organization; it has no AP/AR data. "
            "Sign in to one of its client organizations.",
        )


# -- the login organizations list --------------------------------------------------------------------
def _login_of(ctx: Context, organization_id: str, user_id: str | None) -> str | None:
    """The username of a user object (None for a user no login signs in as, e.g. an app's session)."""
    if not user_id:
        return None
    rows = ctx.store.execute(
        "SELECT principal FROM credentials WHERE kind = ? AND scope = ? AND user_id = ? ORDER BY principal",
        (LOGIN, organization_id, user_id),
    )
    return rows[0][0] if rows else None


def _is_oauth(ctx: Context, session_id: str | None) -> bool:
    rows = ctx.store.execute("SELECT kind FROM sessions WHERE session_id = ?", (session_id or "",))
    return bool(rows) and rows[0][0] == OAUTH


def _entry(ctx: Context, organization_id: str) -> tuple[tuple[str, str], dict[str, Any]] | None:
    """(sort keys, listed body) of one organization; None when it does not exist or is archived."""
    row = ctx.store.get("organizations", organization_id)
    if row is None or row.body.get("archived"):
        return None
    body: dict[str, Any] = {"id": row.id, "name": row.body.get("name", "")}
    parent = console_of(ctx, organization_id)
    console = ctx.store.get("organizations", parent) if parent else None
    if console is not None:
        body["consoleOrganization"] = {"id": console.id, "name": console.body.get("name", "")}
    return (row.body.get("createdTime") or "", row.id), body


def login_organizations(
    ctx: Context, organization_id: str, user_id: str | None, token_only: bool = False
) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    """Every organization the login of this user object reaches, as (sort keys, listed body) in list
    order. `token_only`: the caller holds an OAuth access token, which acts in its app's organization
    only, so that one is listed."""
    username = None if token_only else _login_of(ctx, organization_id, user_id)
    reached = {scope for _u, _s, scope, _id in ctx.store.credentials(LOGIN, username)} if username else set()
    reached.add(organization_id)
    entries = [entry for entry in map(lambda org: _entry(ctx, org), reached) if entry is not None]
    return sorted(entries, key=lambda entry: entry[0])


def list_login_organizations(ctx: Context, principal: Principal, query: Mapping[str, str]) -> Page:
    """GET /v3/login/organizations: the caller's login organizations, 100 a page. `page` is the only
    parameter (a nextPage or prevPage token); `max`, `filters` and `sort` are not parameters of this
    list and are ignored."""
    params = {"page": query["page"]} if query.get("page") else {}
    parsed = parse_list_query(LOGIN_ORGANIZATIONS, params, ("page",))
    token_only = _is_oauth(ctx, principal.session_id)
    entries = login_organizations(ctx, principal.scope, principal.user_id, token_only)
    rows = [(keys, orjson.dumps(body).decode()) for keys, body in entries]
    return generic.rows_page(ctx, rows, parsed)


# -- refusing sign-in --------------------------------------------------------------------------------
def _existing(ctx: Context, organization_id: str) -> str:
    if ctx.store.get("organizations", organization_id) is None:
        raise ValueError(f"no organization {organization_id!r}")
    return organization_id


def refuse_sign_in(ctx: Context, organization_id: str) -> None:
    """The organization loses its API access, as BILL's organizations without API access: every
    `POST /v3/login` to it answers 403 BDC_1105, and the sessions open in it end (their next call
    answers 401 BDC_1109)."""
    _existing(ctx, organization_id)
    ctx.store.add_credential(NO_API_ACCESS, organization_id, "", scope=organization_id)
    ctx.store.execute("UPDATE sessions SET alive = 0 WHERE kind = ? AND scope = ?", (ORG, organization_id))


def allow_sign_in(ctx: Context, organization_id: str) -> None:
    """Give an organization its API access back (undoes `refuse_sign_in`)."""
    ctx.store.remove_credential(NO_API_ACCESS, _existing(ctx, organization_id), organization_id)


# -- seeding -----------------------------------------------------------------------------------------
def add_member(ctx: Context, organization_id: str, person: Mapping[str, Any], created: str) -> str:
    """A user object in another organization for the person of a user object (same names and email),
    with that organization's ADMINISTRATOR role; returns its id. The caller adds its login."""
    role = next(
        row.body for row in ctx.store.find("roles", organization_id) if row.body["type"] == "ADMINISTRATOR"
    )
    user = build_user(
        ctx,
        {
            "id": ctx.ids.new("006"),
            "firstName": person["firstName"],
            "lastName": person["lastName"],
            "email": person["email"],
            "role": {"id": role["id"], "type": role["type"], "description": role["description"]},
            "createdTime": created,
            "updatedTime": created,
        },
    )
    ctx.store.insert("users", organization_id, user)
    return user["id"]


def create_console(ctx: Context, created: str) -> dict[str, Any]:
    """An accounting firm's console organization, with the standard roles and no AP/AR data."""
    fake = ctx.fake
    organization_id = ctx.ids.new("008")
    name = f"{fake.last_name()} & {fake.last_name()} CPAs"
    org = build_organization(
        ctx, {"id": organization_id, "name": name, "createdTime": created, "updatedTime": created}
    )
    ctx.store.insert("organizations", organization_id, org)
    seed_roles(ctx.with_scope(organization_id), created)
    ctx.store.add_credential(CONSOLE, organization_id, "", scope=organization_id)
    return org


def add_client(ctx: Context, organization_id: str, console_id: str) -> None:
    """Make an organization a client organization of a console."""
    ctx.store.add_credential(CONSOLE_CLIENT, organization_id, "", scope=console_id)
