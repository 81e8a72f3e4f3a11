"""Thin HTTP glue: endpoint declarations and the generic endpoints built from a Resource."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
# PARTNER_ORG (partner session acting on the organization in the organizationId header), SPEND (apiToken).
PARTNER_ORG = "partner_org"


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


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Starlette path under /connect, e.g. /v3/customers/{id}
    auth: str
    handler: Handler
    name: str = ""
    limits: bool = True  # counted against the rate and concurrency limits
    raw_body: bool = False  # file uploads: the handler gets the request bytes, not parsed JSON
    at_root: bool = False  # also served outside /connect, at the gateway root (POST /authx/token)
    # How the route answers its own errors: "bill" (BILL's envelope) or "oauth" (RFC 6749 error
    # objects, the token endpoint). Limit and server errors are BILL's envelope on every route.
    errors: str = "bill"


@dataclass
class Crud:
    """Which generic operations a resource exposes under a path."""

    ops: frozenset[str] = field(
        default_factory=lambda: frozenset({"list", "get", "create", "patch", "archive", "restore"})
    )


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


def crud(
    path: str, res: Resource, auth: str, ops: str, id_name: str = "id", create_status: int | None = None
) -> list[Endpoint]:
    """Generic endpoints for a resource. `ops` names them: list get create patch put archive
    restore delete bulk-create bulk-patch bulk-put bulk-archive bulk-restore."""
    wanted = set(ops.split())
    created = create_status or (200 if auth == SPEND else 201)
    item = f"{path}/{{{id_name}}}"
    endpoints: list[Endpoint] = []

    def add(method: str, route: str, handler: Handler, name: str) -> None:
        endpoints.append(Endpoint(method, route, auth, handler, name=f"{res.kind}.{name}"))

    # Fixed sub-paths (bulk) first, so they win over {id}.
    if "bulk-create" in wanted:
        add(
            "POST",
            f"{path}/bulk",
            lambda c: Reply(created, [generic.create(c.ctx, res, b) for b in body_list(c.body)]),
            "bulk_create",
        )
    for method, op, replace in (("PATCH", "bulk-patch", False), ("PUT", "bulk-put", True)):
        if op in wanted:
            add(method, f"{path}/bulk", _bulk_update(res, replace), op)
    for op, archived in (("bulk-archive", True), ("bulk-restore", False)):
        if op in wanted:
            add(
                "POST",
                f"{path}/bulk/{op.split('-')[1]}",
                lambda c, a=archived: Reply(
                    200, [generic.set_archived(c.ctx, res, i, a) for i in ids_param(c.query)]
                ),
                op,
            )
    if "list" in wanted:
        add("GET", path, lambda c: list_body(c, res, auth), "list")
    if "create" in wanted:
        add("POST", path, lambda c: Reply(created, generic.create(c.ctx, res, c.body)), "create")
    if "get" in wanted:
        add("GET", item, lambda c: Reply(200, generic.get(c.ctx, res, c.path[id_name])), "get")
    if "patch" in wanted:
        add("PATCH", item, lambda c: Reply(200, generic.update(c.ctx, res, c.path[id_name], c.body)), "patch")
    if "put" in wanted:
        add(
            "PUT",
            item,
            lambda c: Reply(200, generic.update(c.ctx, res, c.path[id_name], c.body, replace=True)),
            "put",
        )
    if "delete" in wanted:
        add("DELETE", item, lambda c: Reply(200, generic.delete(c.ctx, res, c.path[id_name])), "delete")
    for op, archived in (("archive", True), ("restore", False)):
        if op in wanted:
            add(
                "POST",
                f"{item}/{op}",
                lambda c, a=archived: Reply(200, generic.set_archived(c.ctx, res, c.path[id_name], a)),
                op,
            )
    return endpoints


def _bulk_update(res: Resource, replace: bool) -> Handler:
    def handler(call: Call) -> Reply:
        results = []
        for body in body_list(call.body):
            if not isinstance(body, dict) or not isinstance(body.get("id"), str):
                raise invalid_body("Each object in a bulk update needs its id.")
            results.append(generic.update(call.ctx, res, body["id"], body, replace=replace))
        return Reply(200, results)

    return handler


__all__ = [
    "ORG",
    "PARTNER",
    "PARTNER_ORG",
    "PUBLIC",
    "SPEND",
    "Call",
    "Crud",
    "Endpoint",
    "Reply",
    "crud",
    "list_body",
]
