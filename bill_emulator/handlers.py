"""Thin HTTP glue: what a handler gets (Call) and gives (Reply), endpoint declarations, list pages, and
the one CRUD generator (crud) that serves a resource's routes from its model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bill_emulator.backends import generic
from bill_emulator.backends.auth import ORG, PARTNER, SPEND, Principal
from bill_emulator.backends.context import Context
from bill_emulator.errors import invalid_body
from bill_emulator.query import Page
from bill_emulator.resources import Resource
from bill_emulator.settings import EmulatorSettings
from bill_emulator.validation import body_list, ids_param

PUBLIC = "public"
# Auth kinds: PUBLIC (no headers), ORG (devKey + sessionId), PARTNER (appKey + sessionId),
# PARTNER_ORG (partner session acting on the organization in the organizationId header), SPEND (apiToken),
# EVENTS (the webhook API: devKey + sessionId, both required (400 without), no OAuth Bearer).
PARTNER_ORG = "partner_org"
EVENTS = "events"
# Where BILL's gateway serves each API: the v3 API under /connect, the webhook API under /connect-events.
CONNECT = "/connect"
CONNECT_EVENTS = "/connect-events"


@dataclass
class Call:
    """One request as a backend handler sees it."""

    settings: EmulatorSettings
    ctx: Context
    principal: Principal | None
    path: dict[str, str]
    query: Mapping[str, str]
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any = None
    raw: bytes | None = None  # pre-rendered JSON (list pages)
    headers: tuple[tuple[bytes, bytes], ...] = ()  # extra response headers (the OAuth token endpoint)
    # Work that finishes the answer after the handler's transaction committed, in a worker thread
    # rather than on the server's event loop (a webhook test notification waits for its receiver).
    then: Callable[[], Reply] | None = None


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # path under `base`, e.g. /v3/customers/{id}
    auth: str
    handler: Handler
    name: str = ""
    limits: bool = True  # counted against the rate and concurrency limits
    raw_body: bool = False  # file uploads: the handler gets the request bytes, not parsed JSON
    at_root: bool = False  # also served outside /connect, at the gateway root (POST /authx/token)
    # How the route answers its own errors: "bill" (BILL's envelope) or "oauth" (RFC 6749 error
    # objects, the token endpoint). Limit and server errors are BILL's envelope on every route.
    errors: str = "bill"
    base: str = CONNECT  # the gateway path the route is served under (CONNECT or CONNECT_EVENTS)
    # Served in a session of an Accountant Console organization too; every other ORG route answers
    # 403 BDC_1145 there, the console having no AP/AR data (backends/memberships.py).
    console: bool = False


def page_payload(page: Page) -> bytes:
    parts = [b'{"results":[', ",".join(page.bodies).encode(), b"]"]
    if page.next_token:
        parts.append(b',"nextPage":"' + page.next_token.encode() + b'"')
    if page.prev_token:
        parts.append(b',"prevPage":"' + page.prev_token.encode() + b'"')
    parts.append(b"}")
    return b"".join(parts)


def cursor_params(auth: str) -> tuple[str, ...]:
    return ("nextPage", "prevPage") if auth == SPEND else ("page",)


def list_body(call: Call, res: Resource, auth: str, parent_id: str | None = None) -> Reply:
    page = generic.list_page(call.ctx, res, call.query, cursor_params(auth), parent_id=parent_id)
    return Reply(200, raw=page_payload(page))


class Model(Protocol):
    """What crud serves: a resource and its get, create, update (PATCH or PUT) and archive rules, and how
    its bulk routes answer (results wrapped under `bulk_key`, at most `max_bulk` per request)."""

    @property
    def res(self) -> Resource: ...
    @property
    def bulk_key(self) -> str | None: ...
    @property
    def max_bulk(self) -> int | None: ...

    def get(self, ctx: Context, object_id: str) -> dict[str, Any]: ...
    def create(self, ctx: Context, body: Any) -> dict[str, Any]: ...
    def update(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]: ...
    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]: ...


# In the order crud emits them: fixed sub-paths (bulk) first, so they read before {id} captures.
OPS = (
    "bulk-create",
    "bulk-put",
    "bulk-patch",
    "bulk-archive",
    "bulk-restore",
    "list",
    "create",
    "get",
    "put",
    "patch",
    "archive",
    "restore",
)


def crud(
    path: str,
    model: Model | Resource,
    auth: str,
    ops: str,
    id_name: str = "id",
    create_status: int | None = None,
    guard: Callable[[Call], None] | None = None,
    refresh: Callable[[Context], None] | None = None,
) -> list[Endpoint]:
    """The one CRUD generator: endpoints for the operations `ops` names (see OPS), each called
    `<kind>.<op>`. `model` is a Resource (the generic rules) or a model with rules of its own
    (line_items.LineItemFamily, say). `guard` checks the request of every write with a body first (an
    MFA-trusted session); `refresh` brings time-driven state up to date before a list or a get (payments
    that fall due)."""
    m: Model = generic.Collection(model) if isinstance(model, Resource) else model
    res = m.res
    wanted = ops.split()
    unknown = set(wanted) - set(OPS)
    if unknown:
        raise ValueError(f"unknown operations {sorted(unknown)}")
    created = create_status or (200 if auth == SPEND else 201)
    item = f"{path}/{{{id_name}}}"
    what = res.label.lower() + "s"

    def guarded(handler: Handler) -> Handler:
        def checked(call: Call) -> Reply:
            if guard is not None:
                guard(call)
            return handler(call)

        return checked

    def refreshed(handler: Handler) -> Handler:
        def read(call: Call) -> Reply:
            if refresh is not None:
                refresh(call.ctx)
            return handler(call)

        return read

    def wrap(results: list[dict[str, Any]]) -> Any:
        return {m.bulk_key: results} if m.bulk_key else results

    def bulk_create(call: Call) -> Reply:
        items = body_list(call.body, m.max_bulk, what)
        return Reply(created, wrap([m.create(call.ctx, body) for body in items]))

    def bulk_update(replace: bool) -> Handler:
        def handler(call: Call) -> Reply:
            results = []
            for body in body_list(call.body, m.max_bulk, what):
                if not isinstance(body.get("id"), str) or not body["id"]:
                    raise invalid_body("id: each object in a bulk update needs its id")
                changes = {k: v for k, v in body.items() if k != "id"}
                results.append(m.update(call.ctx, body["id"], changes, replace))
            return Reply(200, wrap(results))

        return handler

    def bulk_archive(archived: bool) -> Handler:
        return lambda call: Reply(
            200, wrap([m.set_archived(call.ctx, i, archived) for i in ids_param(call.query)])
        )

    def update(replace: bool) -> Handler:
        return lambda call: Reply(200, m.update(call.ctx, call.path[id_name], call.body, replace))

    def archive(archived: bool) -> Handler:
        return lambda call: Reply(200, m.set_archived(call.ctx, call.path[id_name], archived))

    table: dict[str, tuple[str, str, Handler]] = {
        "bulk-create": ("POST", f"{path}/bulk", guarded(bulk_create)),
        "bulk-put": ("PUT", f"{path}/bulk", guarded(bulk_update(True))),
        "bulk-patch": ("PATCH", f"{path}/bulk", guarded(bulk_update(False))),
        "bulk-archive": ("POST", f"{path}/bulk/archive", bulk_archive(True)),
        "bulk-restore": ("POST", f"{path}/bulk/restore", bulk_archive(False)),
        "list": ("GET", path, refreshed(lambda call: list_body(call, res, auth))),
        "create": ("POST", path, guarded(lambda call: Reply(created, m.create(call.ctx, call.body)))),
        "get": ("GET", item, refreshed(lambda call: Reply(200, m.get(call.ctx, call.path[id_name])))),
        "put": ("PUT", item, guarded(update(True))),
        "patch": ("PATCH", item, guarded(update(False))),
        "archive": ("POST", f"{item}/archive", archive(True)),
        "restore": ("POST", f"{item}/restore", archive(False)),
    }
    return [
        Endpoint(method, route, auth, handler, name=f"{res.kind}.{op.replace('-', '_')}")
        for op, (method, route, handler) in table.items()
        if op in wanted
    ]


__all__ = [
    "CONNECT",
    "CONNECT_EVENTS",
    "EVENTS",
    "ORG",
    "PARTNER",
    "PARTNER_ORG",
    "PUBLIC",
    "SPEND",
    "Call",
    "Endpoint",
    "Handler",
    "Model",
    "Reply",
    "crud",
    "list_body",
]
