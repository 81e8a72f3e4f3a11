"""Sign-in as BILL does it: org sessions (/v3/login, with a password, a sync token or an Accountant
Console API token), partner sessions, login-as-user, S&E API tokens (OAuth Bearer tokens: oauth.py).

Sessions live in the database. An org or partner session dies after `idle_seconds` without a call
(sliding: every call resets the timer); a session opened with a sync token lasts 48 hours.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError, invalid_body
from bill_emulator.validation import body_object, not_text, require_fields

ORG = "org"
PARTNER = "partner"
SPEND = "spend"
CONSOLE_TOKEN = "console_token"  # credentials: username -> Accountant Console API token, per organization
NO_API_ACCESS = "no_api_access"  # credentials: an organization without API access (no sign-in: BDC_1105)


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from the auth headers of one request."""

    kind: str  # org | partner | spend
    key: str  # devKey, appKey or apiToken (limits are counted per key)
    scope: str  # organization id, partner id or spend company id
    user_id: str | None
    session_id: str | None = None


def _require(body: Any, *names: str) -> dict[str, Any]:
    body = body_object(body)
    require_fields(body, names, blank=not_text)
    return body


def _new_session(
    ctx: Context, kind: str, key: str, scope: str, user_id: str | None, lifetime: float | None
) -> str:
    session_id = secrets.token_urlsafe(30)
    now = ctx.clock.now()
    ctx.store.execute(
        "INSERT INTO sessions (session_id, kind, key, scope, user_id, created, last_used, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (session_id, kind, key, scope, user_id, now, now, now + lifetime if lifetime else None),
    )
    return session_id


def same_secret(expected: str, given: str) -> bool:
    """A constant-time comparison that takes any text (compare_digest refuses non-ASCII str)."""
    return secrets.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def dev_key_is_valid(ctx: Context, dev_key: str | None) -> bool:
    return bool(dev_key) and bool(ctx.store.credentials("dev_key", dev_key))


def _password_or_console_token(body: Any) -> tuple[str, tuple[str, ...]]:
    """A login carries a password (user password or sync token) or, for an accounting firm signing in
    to a client organization, its Accountant Console API token: one of the two, never both."""
    if isinstance(body, dict) and body.get("consoleApiToken") is not None:
        if body.get("password") is not None:
            raise invalid_body("Provide either password or consoleApiToken, not both.")
        return "consoleApiToken", (CONSOLE_TOKEN,)
    return "password", ("user", "sync_token")


def login(ctx: Context, body: Any, sync_token_seconds: float) -> dict[str, Any]:
    """POST /v3/login: username (or sync-token name), password (or sync token, or consoleApiToken
    in its place), organizationId, devKey."""
    secret_field, kinds = _password_or_console_token(body)
    body = _require(body, "username", secret_field, "organizationId", "devKey")
    if not dev_key_is_valid(ctx, body["devKey"]):
        raise BillApiError("BDC_1102")
    org_id = body["organizationId"]
    match = None
    lifetime = None
    for kind in kinds:
        for _principal, secret, scope, user_id in ctx.store.credentials(kind, body["username"]):
            if scope == org_id and same_secret(secret, body[secret_field]):
                match = user_id
                lifetime = sync_token_seconds if kind == "sync_token" else None
    if match is None:
        raise BillApiError("BDC_1101")
    if ctx.store.credentials(NO_API_ACCESS, org_id):
        raise BillApiError("BDC_1105")
    session_id = _new_session(ctx, ORG, body["devKey"], org_id, match, lifetime)
    return {"sessionId": session_id, "organizationId": org_id, "userId": match, "trusted": False}


def partner_login(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/partner/login: username, password, appKey."""
    body = _require(body, "username", "password", "appKey")
    keys = ctx.store.credentials("app_key", body["appKey"])
    if not keys:
        raise BillApiError("BDC_1146")
    partner_id = keys[0][2]
    for _principal, secret, scope, _user in ctx.store.credentials("partner_user", body["username"]):
        if scope == partner_id and same_secret(secret, body["password"]):
            return {"sessionId": _new_session(ctx, PARTNER, body["appKey"], partner_id, None, None)}
    raise BillApiError("BDC_1101")


def login_as_user(ctx: Context, partner: Principal, body: Any) -> dict[str, Any]:
    """POST /v3/partner/login-as-user: an org-level session for a user of a managed organization."""
    body = _require(body, "userId", "organizationId")
    org = ctx.store.get("organizations", body["organizationId"])
    if org is None or org.scope != partner.scope:
        raise BillApiError("BDC_1145", "Organization is not managed by this partner.")
    user = ctx.store.get("users", body["userId"])
    if user is None or user.scope != body["organizationId"]:
        raise BillApiError("BDC_1145", "User does not belong to this organization.")
    session_id = _new_session(ctx, ORG, "", body["organizationId"], body["userId"], None)
    return {"sessionId": session_id, "trusted": False}


def resolve_session(
    ctx: Context, kind: str, key: str | None, session_id: str | None, idle_seconds: float
) -> Principal:
    """Check a session header pair; refresh its idle timer. Raises BDC_1109 when it is not alive."""
    if kind == ORG and not dev_key_is_valid(ctx, key):
        raise BillApiError("BDC_1102")
    if kind == PARTNER and (not key or not ctx.store.credentials("app_key", key)):
        raise BillApiError("BDC_1146")
    if not session_id:
        raise BillApiError("BDC_1109")
    rows = ctx.store.execute(
        "SELECT kind, key, scope, user_id, last_used, expires_at, alive FROM sessions WHERE session_id = ?",
        (session_id,),
    )
    now = ctx.clock.now()
    if not rows:
        raise BillApiError("BDC_1109")
    s_kind, s_key, scope, user_id, last_used, expires_at, alive = rows[0]
    expired = (expires_at is not None and now >= expires_at) or (
        expires_at is None and now - last_used >= idle_seconds
    )
    if s_kind != kind or not alive or expired or (s_key and s_key != key):
        if expired and alive:
            ctx.store.execute("UPDATE sessions SET alive = 0 WHERE session_id = ?", (session_id,))
        raise BillApiError("BDC_1109")
    if now - last_used >= 1.0:  # the idle timer has one-second resolution; saves a write per call
        ctx.store.execute("UPDATE sessions SET last_used = ? WHERE session_id = ?", (now, session_id))
    return Principal(kind, key or "", scope, user_id, session_id)


def acting_on_organization(ctx: Context, partner: Principal, organization_id: str | None) -> Principal:
    """Partner calls on users and roles name their organization in the organizationId header."""
    if not organization_id:
        raise invalid_body("organizationId header is required.")
    org = ctx.store.get("organizations", organization_id)
    if org is None or org.scope != partner.scope:
        raise BillApiError("BDC_1145", "Organization is not managed by this partner.")
    return Principal(PARTNER, partner.key, organization_id, partner.user_id, partner.session_id)


def resolve_api_token(ctx: Context, token: str | None) -> Principal:
    if not token:
        raise BillApiError("BDC_1147", "apiToken header is required.", status=400)
    rows = ctx.store.credentials("api_token", token)
    if not rows:
        raise BillApiError("BDC_1147")
    _principal, _secret, scope, user_id = rows[0]
    return Principal(SPEND, token, scope, user_id)


def end_session(ctx: Context, session_id: str) -> None:
    ctx.store.execute("UPDATE sessions SET alive = 0 WHERE session_id = ?", (session_id,))


def session_details(ctx: Context, principal: Principal) -> dict[str, Any]:
    return {
        "organizationId": principal.scope,
        "userId": principal.user_id,
        "mfaStatus": "DISABLED",
        "mfaBypass": False,
    }
