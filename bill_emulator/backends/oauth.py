"""BILL's 2026 way in: OAuth 2.0 client credentials (REFERENCE §2.6).

A developer app (client id and secret, created in BILL's web app for one organization) trades its
credentials at `POST /authx/token` for a short-lived access token; every AP/AR and Spend & Expense
call then carries `Authorization: Bearer <token>` instead of devKey + sessionId or apiToken, acting
for the app's organization. Partner routes do not take Bearer tokens.

BILL documents the request (form data `grant_type=client_credentials`, `client_id`,
`client_secret`) but not the response or the errors, so the token endpoint answers as an RFC 6749
server does: `{"access_token", "token_type": "Bearer", "expires_in"}`, and errors as
`{"error", "error_description"}` objects (400 `invalid_request` / `unsupported_grant_type`, 401
`invalid_client`). Access tokens live in the sessions table (kind "oauth") with a fixed expiry.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from bill_emulator.backends import auth
from bill_emulator.backends.auth import ORG, SPEND, Principal
from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError

TOKEN_PATH = "/authx/token"
OAUTH = "oauth"  # the sessions-table kind of an access token
CLIENT = "oauth_client"  # credentials: client id -> secret, organization, the app owner (a user)
CLIENT_SPEND = "oauth_spend"  # credentials: client id -> spend company and the S&E user it acts as
GRANT = "client_credentials"
FORM = "application/x-www-form-urlencoded"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer of the token endpoint (responses/auth.py renders it)."""

    def __init__(self, error: str, description: str, status: int = 400, challenge: bool = False) -> None:
        self.error = error
        self.description = description
        self.status = status
        self.challenge = challenge  # the client tried HTTP Basic: answer with WWW-Authenticate
        super().__init__(f"{error}: {description}")


def _invalid_client(description: str, challenge: bool) -> OAuthError:
    return OAuthError("invalid_client", description, 401, challenge)


# -- reading a token request ------------------------------------------------------------------------
def _form(body: bytes, content_type: str | None) -> dict[str, str]:
    """The form parameters; RFC 6749 §3.2 wants them form-encoded and each at most once."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and media != FORM:
        raise OAuthError("invalid_request", f"The request body must be {FORM}, not {media}.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The request body is not valid form data.") from None
    repeated = sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
    if repeated:
        raise OAuthError("invalid_request", f"Parameters sent more than once: {', '.join(repeated)}.")
    return dict(pairs)


def _authorization(headers: Mapping[str, str]) -> tuple[str, str]:
    """The Authorization header as (scheme in lower case, the rest); whitespace between them may be
    spaces or tabs."""
    parts = (headers.get("authorization") or "").split(None, 1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def _basic(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """HTTP Basic client authentication (RFC 6749 §2.3.1): base64 of the form-encoded id and secret."""
    scheme, value = _authorization(headers)
    if scheme != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise _invalid_client("The Basic authorization header is malformed.", True) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _invalid_client("The Basic authorization header is malformed.", True)
    return unquote_plus(client_id), unquote_plus(secret)


def _client_credentials(form: dict[str, str], headers: Mapping[str, str]) -> tuple[str, str, bool]:
    """(client id, secret, whether HTTP Basic was used). One authentication method per request."""
    basic = _basic(headers)
    if basic is not None:
        if "client_secret" in form:
            raise OAuthError(
                "invalid_request", "Use one client authentication method: Basic or client_secret, not both."
            )
        if form.get("client_id", basic[0]) != basic[0]:
            raise OAuthError("invalid_request", "client_id does not match the Basic authorization header.")
        return basic[0], basic[1], True
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id:
        raise _invalid_client("Client authentication is required: client_id and client_secret.", False)
    if not secret:
        raise _invalid_client("client_secret is required.", False)
    return client_id, secret, False


def client_id_of(body: Any, headers: Mapping[str, str]) -> str | None:
    """The client id a token request names, for the login limit; None when it names none."""
    if not isinstance(body, bytes):
        return None
    try:
        basic = _basic(headers)
        form = _form(body, None)
    except OAuthError:
        return None
    client_id = basic[0] if basic else form.get("client_id")
    return client_id or None


# -- POST /authx/token -------------------------------------------------------------------------------
def issue_token(ctx: Context, body: Any, headers: Mapping[str, str], lifetime: float) -> dict[str, Any]:
    """An access token for a token request's client credentials; OAuthError when the request is refused."""
    form = _form(body if isinstance(body, bytes) else b"", headers.get("content-type"))
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is required.")
    client_id, secret, basic = _client_credentials(form, headers)
    app = _app(ctx, client_id, secret)
    if app is None:
        raise _invalid_client("Client authentication failed: unknown client or wrong secret.", basic)
    if grant != GRANT:  # the client is known: now whether it may use this grant
        raise OAuthError("unsupported_grant_type", f"Only grant_type={GRANT} is supported.")
    organization_id, owner = app
    token = auth._new_session(ctx, OAUTH, client_id, organization_id, owner, lifetime)
    return {"access_token": token, "token_type": "Bearer", "expires_in": max(1, math.ceil(lifetime))}


def _app(ctx: Context, client_id: str, secret: str) -> tuple[str, str | None] | None:
    for _principal, expected, organization_id, owner in ctx.store.credentials(CLIENT, client_id):
        if auth.same_secret(expected, secret):
            return organization_id, owner
    return None


# -- Authorization: Bearer on AP/AR and S&E routes ---------------------------------------------------
def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer` header ("" when the header names none); None when
    the request has no Bearer header (other schemes are not BILL credentials and are ignored)."""
    scheme, token = _authorization(headers)
    return token if scheme == "bearer" else None


def is_api_token(ctx: Context, token: str) -> bool:
    """Whether a Bearer value is an S&E API token. Sending one as a Bearer is the pre-2026 mistake of
    some clients (REFERENCE §2.5): S&E routes ignore such a header and judge the request by its
    apiToken header, as they always did (no apiToken header: 400)."""
    return bool(token) and bool(ctx.store.credentials("api_token", token))


def refusal(kind: str) -> BillApiError:
    """How a dead or unknown token is refused: as an invalid session on AP/AR routes (401
    BDC_1109), as an invalid API token on Spend & Expense routes (401 BDC_1147)."""
    return BillApiError("BDC_1147" if kind == SPEND else "BDC_1109")


def resolve_bearer(ctx: Context, kind: str, token: str) -> Principal:
    """The caller behind a Bearer token: on AP/AR routes the app's organization, acting as the user
    who created the app (an administrator); on S&E routes the app's spend company and its S&E
    owner. The budgets are the app's: limits count per client id."""
    rows = ctx.store.execute(
        "SELECT key, scope, user_id, expires_at, alive FROM sessions WHERE session_id = ? AND kind = ?",
        (token, OAUTH),
    )
    if not token or not rows:
        raise refusal(kind)
    client_id, organization_id, owner, expires_at, alive = rows[0]
    if not alive or (expires_at is not None and ctx.clock.now() >= expires_at):
        if alive:
            ctx.store.execute("UPDATE sessions SET alive = 0 WHERE session_id = ?", (token,))
        raise refusal(kind)
    if kind == ORG:
        return Principal(ORG, client_id, organization_id, owner, token)
    spend = ctx.store.credentials(CLIENT_SPEND, client_id)
    if not spend:  # the app's organization has no Spend & Expense company
        raise refusal(kind)
    _principal, _secret, company_id, spend_user = spend[0]
    return Principal(SPEND, client_id, company_id, spend_user, token)
