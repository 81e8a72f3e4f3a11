"""Signing in the way each auth type does (REFERENCE §2), and the headers every later GET carries."""

from __future__ import annotations

from dataclasses import dataclass

from bill_emulator.conform.target import Target
from bill_emulator.conform.wire import Answer, Wire
from source_bill.client.urls import endpoint_url


class SignInRefused(Exception):
    """The sign-in did not give a session (or token): the config is wrong or BILL is not there."""


@dataclass(repr=False)
class Auth:
    """What signing in gave: the headers of later calls and the sign-in answer itself."""

    headers: dict[str, str]
    answer: Answer | None  # None for Spend & Expense (no sign-in)
    where: str | None = None  # OAuth: where the token endpoint answered
    secret: str | None = None  # the session id or access token, to mask

    def __repr__(self) -> str:
        return f"Auth(where={self.where!r}, headers={sorted(self.headers)})"


def _refused(what: str, answer: Answer) -> SignInRefused:
    detail = f": {answer.message}" if answer.message else ""
    return SignInRefused(f"{what} was refused ({answer.summary()}{detail})")


def sign_in(target: Target, wire: Wire) -> Auth:
    """Sign in once. Raises `SignInRefused` (and `wire` errors) when no session comes back."""
    creds = target.credentials
    if target.auth_type == "spend_expense":
        return Auth({"apiToken": creds["api_token"]}, None)
    if target.auth_type == "oauth":
        return _oauth(target, wire)
    if target.auth_type == "partner":
        path, body = (
            "/v3/partner/login",
            {
                "username": creds["username"],
                "password": creds["password"],
                "appKey": creds["app_key"],
            },
        )
    else:
        secret = (
            {"consoleApiToken": creds["console_api_token"]}
            if target.console
            else {"password": creds["password"]}
        )
        path, body = (
            "/v3/login",
            {
                "username": creds["username"],
                **secret,
                "organizationId": creds["organization_id"],
                "devKey": creds["dev_key"],
            },
        )
    answer = wire.sign_in(endpoint_url(target.api_root, path), json_body=body)
    payload = answer.json
    session_id = payload.get("sessionId") if isinstance(payload, dict) else None
    if answer.status != 200 or not isinstance(session_id, str) or not session_id:
        raise _refused(f"POST {path}", answer)
    key = {"appKey": creds["app_key"]} if target.auth_type == "partner" else {"devKey": creds["dev_key"]}
    return Auth({**key, "sessionId": session_id}, answer, secret=session_id)


def _oauth(target: Target, wire: Wire) -> Auth:
    """`POST /authx/token` (client credentials as form data). BILL names the path, not the host path:
    it is tried under the API root (`…/connect/authx/token`), then at the gateway's root."""
    form = {
        "grant_type": "client_credentials",
        "client_id": target.credentials["client_id"],
        "client_secret": target.credentials["client_secret"],
    }
    places = [("under the API root (/connect/authx/token)", f"{target.root}/authx/token")]
    if target.gateway_root != target.root:
        places.append(("at the gateway root (/authx/token)", f"{target.gateway_root}/authx/token"))
    for where, url in places:  # noqa: B007 - `where` names the place that answered
        answer = wire.sign_in(url, form=form)
        if answer.status != 404:
            break
    payload = answer.json
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if answer.status != 200 or not isinstance(token, str) or not token:
        raise _refused("POST /authx/token", answer)
    return Auth({"Authorization": f"Bearer {token}"}, answer, where=where, secret=token)
