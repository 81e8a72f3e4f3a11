"""The ASGI application: one pipeline every BILL call goes through.

faults → body parsing → auth → limits → (a console organization's session: its routes only) →
latency → backend handler → response. BILL's API lives
under /connect and its webhook API under /connect-events (each route says where: `Endpoint.base`);
the OAuth token endpoint is served under /connect and at the gateway root (/authx/token).
Admin routes (counters, clock, health) live outside /connect under /_emulator.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson

from bill_emulator.backends import memberships, oauth
from bill_emulator.backends.auth import (
    ORG,
    PARTNER,
    SPEND,
    Principal,
    acting_on_organization,
    end_session,
    resolve_api_token,
    resolve_session,
)
from bill_emulator.errors import BillApiError, envelope, invalid_body
from bill_emulator.handlers import CONNECT, EVENTS, PARTNER_ORG, PUBLIC, Call, Endpoint
from bill_emulator.router import Router
from bill_emulator.runtime import Runtime

log = logging.getLogger("bill_emulator")

ADMIN = "/_emulator"
_JSON = [(b"content-type", b"application/json")]
_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>gateway</center></body></html>"
)


class ConnectionDropped(Exception):
    """Raised after the response started, so the server drops the connection mid-response."""


class EmulatorApp:
    def __init__(self, emulator: Runtime, endpoints: list[Endpoint]) -> None:
        self.emulator = emulator
        bases = sorted({endpoint.base for endpoint in endpoints}, key=len, reverse=True)
        self.routers = {base: Router([e for e in endpoints if e.base == base]) for base in bases}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        body = await _read_body(receive)
        if path.startswith(ADMIN):
            status, payload = self.emulator.admin(scope["method"], path[len(ADMIN) :], body)
            await _send(send, status, orjson.dumps(payload))
            return
        try:
            status, headers, content = await self._bill_call(scope, path, body)
        except ConnectionDropped:
            # Start a response, then fail: the server drops the connection mid-response.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*_JSON, (b"content-length", b"4096")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"results":[', "more_body": True})
            raise
        await _send(send, status, content, headers)

    def _route(self, method: str, path: str) -> tuple[Endpoint | None, dict[str, str]]:
        """The endpoint for a request and its path parameters: under the base a route is served at
        (/connect, /connect-events), or at the gateway root for the routes also served there."""
        for base, router in self.routers.items():
            if path.startswith(base + "/"):
                match = router.match(path[len(base) :])
                endpoint = match[0].get(method) if match else None
                return (endpoint, match[1]) if match and endpoint else (None, {})
        match = self.routers[CONNECT].match(path) if CONNECT in self.routers else None
        endpoint = match[0].get(method) if match else None
        return (endpoint, match[1]) if match and endpoint and endpoint.at_root else (None, {})

    async def _bill_call(self, scope: dict[str, Any], path: str, body: bytes) -> tuple[int, list, bytes]:
        emu = self.emulator
        endpoint, path_params = self._route(scope["method"], path)
        route = endpoint.name or endpoint.path if endpoint else "unknown"
        emu.counters.started(route)
        if endpoint is None:
            return self._error(BillApiError("BDC_1121"))

        fault = emu.faults.draw(endpoint.path)
        if fault == "html":
            emu.counters.fault(fault)
            emu.counters.finished(502)
            return 502, [(b"content-type", b"text/html")], _GATEWAY_PAGE
        if fault == "error":
            emu.counters.fault(fault)
            return self._error(BillApiError("BDC_1001"))
        if fault == "reset":
            emu.counters.fault(fault)
            raise ConnectionDropped(route)
        if fault == "slow":
            emu.counters.fault(fault)
            await asyncio.sleep(emu.settings.faults.slow_seconds)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        slot: tuple[str, str] | None = None
        try:
            parsed = body if endpoint.raw_body else _parse_json(body)
            principal = self._authenticate(endpoint, headers)
            if endpoint.limits:
                slot = self._enter_limits(endpoint, principal, parsed, headers)
            if not endpoint.console:
                memberships.refuse_in_console(emu.context(None), principal)
            if fault == "throttle":
                emu.counters.fault(fault)
                raise BillApiError("BDC_1322", status=emu.settings.limits.limit_status)
            await emu.delay()
            call = Call(
                emu.settings,
                emu.context(principal, headers, query),
                principal,
                path_params,
                query,
                parsed,
                headers,
            )
            if endpoint.method == "GET":
                reply = endpoint.handler(call)
            else:
                with emu.store.transaction():
                    reply = endpoint.handler(call)
            if reply.then is not None:  # committed; the rest must not hold up the event loop
                reply = await asyncio.to_thread(reply.then)
        except BillApiError as error:
            return self._error(error)
        except Exception:  # never a stack trace to the client
            log.exception("emulator handler failed for %s %s", scope["method"], path)
            return self._error(BillApiError("BDC_1001"))
        finally:
            if slot is not None:
                emu.limiter.leave(*slot)
                emu.counters.left()

        content = (
            reply.raw
            if reply.raw is not None
            else (b"" if reply.payload is None else orjson.dumps(reply.payload))
        )
        emu.counters.finished(reply.status)
        if fault == "truncated" and len(content) > 2:
            emu.counters.fault(fault)
            content = content[: len(content) // 2]
        elif fault == "non_json":
            emu.counters.fault(fault)
            content = b"upstream response could not be read"
        return reply.status, [*_JSON, *reply.headers], content

    def _authenticate(self, endpoint: Endpoint, headers: dict[str, str]) -> Principal | None:
        emu = self.emulator
        ctx = emu.context(None)
        idle = emu.settings.session_idle_seconds
        if endpoint.auth == PUBLIC:
            return None
        if endpoint.auth == EVENTS:
            # The webhook API: organization-level headers only, a missing one answers 400 (BILL's
            # webhook error rules); OAuth Bearer tokens are not for webhooks.
            if not headers.get("devkey") or not headers.get("sessionid"):
                raise BillApiError(
                    "BDC_1116", "The devKey and sessionId headers are required for webhook API calls."
                )
            principal = resolve_session(ctx, ORG, headers.get("devkey"), headers.get("sessionid"), idle)
            return self._maybe_expire(principal, bearer=False)
        # AP/AR and S&E routes take an OAuth Bearer token in place of their own headers; partner
        # routes do not (their appKey + sessionId are checked as ever, so a Bearer alone fails there).
        bearer = oauth.bearer_token(headers) if endpoint.auth in (ORG, SPEND) else None
        if bearer is not None and endpoint.auth == SPEND and oauth.is_api_token(ctx, bearer):
            bearer = None
        if bearer is not None:
            principal = oauth.resolve_bearer(ctx, endpoint.auth, bearer)
        elif endpoint.auth == ORG:
            principal = resolve_session(ctx, ORG, headers.get("devkey"), headers.get("sessionid"), idle)
        elif endpoint.auth in (PARTNER, PARTNER_ORG):
            principal = resolve_session(ctx, PARTNER, headers.get("appkey"), headers.get("sessionid"), idle)
            if endpoint.auth == PARTNER_ORG:
                principal = acting_on_organization(ctx, principal, headers.get("organizationid"))
        elif endpoint.auth == SPEND:
            return resolve_api_token(ctx, headers.get("apitoken"))
        else:
            raise ValueError(endpoint.auth)
        return self._maybe_expire(principal, bearer is not None)

    def _maybe_expire(self, principal: Principal, bearer: bool) -> Principal:
        """The `expire_session_every` fault: end the caller's session now, as BILL may at any time."""
        emu = self.emulator
        if emu.faults.expire_now(principal.session_id):
            emu.counters.fault("session_expired")
            end_session(emu.context(None), principal.session_id or "")
            raise oauth.refusal(principal.kind) if bearer else BillApiError("BDC_1109")
        return principal

    def _enter_limits(
        self, endpoint: Endpoint, principal: Principal | None, body: Any, headers: dict[str, str]
    ) -> tuple[str, str] | None:
        emu = self.emulator
        limiter = emu.limiter
        if principal is None:
            key = None
            if (
                endpoint.path == "/v3/login"
                and isinstance(body, dict)
                and isinstance(body.get("devKey"), str)
            ):
                key = body["devKey"]
            elif endpoint.path == oauth.TOKEN_PATH:  # a token request is a login of the client id
                key = oauth.client_id_of(body, headers)
            if key is not None:
                limiter.count_login(key)
                limiter.count_request(key)
            return None
        if principal.kind == SPEND:
            limiter.count_spend(principal.key)
            return None
        limiter.count_request(principal.key)
        limiter.enter(principal.key, principal.scope)
        emu.counters.entered()
        return principal.key, principal.scope

    def _error(self, error: BillApiError) -> tuple[int, list, bytes]:
        self.emulator.counters.finished(error.status, [error.code])
        return error.status, _JSON, envelope([error], self.emulator.clock.now())


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid_body("Malformed JSON in request body.") from None


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Any, status: int, content: bytes, headers: list | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*(headers or _JSON), (b"content-length", str(len(content)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": content})
