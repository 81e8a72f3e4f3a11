"""Signing in: org and partner logins, sessions, logout, health, and the OAuth token endpoint (whose errors
are RFC 6749 objects, not BILL's envelope)."""

from __future__ import annotations

from bill_emulator.backends import auth, memberships, oauth
from bill_emulator.handlers import Call, Reply, page_payload

NO_STORE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))  # RFC 6749 §5.1
CHALLENGE = (b"www-authenticate", b'Basic realm="bill", charset="UTF-8"')  # after a failed HTTP Basic


def login(call: Call) -> Reply:
    return Reply(200, auth.login(call.ctx, call.body, call.settings.sync_token_session_seconds))


def session(call: Call) -> Reply:
    return Reply(200, auth.session_details(call.ctx, call.principal))


def login_organizations(call: Call) -> Reply:
    page = memberships.list_login_organizations(call.ctx, call.principal, call.query)
    return Reply(200, raw=page_payload(page))


def logout(call: Call) -> Reply:
    auth.end_session(call.ctx, call.ctx.session_id or "")
    return Reply(200)


def health(call: Call) -> Reply:
    return Reply(
        200, {"appId": "bill-emulator", "appEnv": "emulator", "appVersion": "0.1.0", "bdcRegion": "local"}
    )


def partner_login(call: Call) -> Reply:
    return Reply(200, auth.partner_login(call.ctx, call.body))


def login_as_user(call: Call) -> Reply:
    return Reply(200, auth.login_as_user(call.ctx, call.principal, call.body))


def token(call: Call) -> Reply:
    """POST /authx/token (form data): an access token, or an RFC 6749 error object."""
    try:
        payload = oauth.issue_token(
            call.ctx, call.body, call.headers, float(call.settings.oauth_token_seconds)
        )
    except oauth.OAuthError as error:
        headers = (*NO_STORE, CHALLENGE) if error.challenge else NO_STORE
        return Reply(
            error.status, {"error": error.error, "error_description": error.description}, headers=headers
        )
    return Reply(200, payload, headers=NO_STORE)
