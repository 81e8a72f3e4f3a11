"""S&E list semantics on top of the shared query engine: `nextPage=`/`prevPage=` cursors, one sort field,
id filters that take ids or UUIDs, filters computed outside SQL, and BILL's public shape of each row."""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.backends.generic import run_page
from bill_emulator.backends.spend.common import find, present
from bill_emulator.errors import invalid_parameter
from bill_emulator.query import (
    Condition,
    Page,
    decode_cursor,
    parse_list_query,
    split_outside_quotes,
)
from bill_emulator.resources import Builder, Field, Resource, register

# A filter evaluated by the backend: (ctx, op, values) -> a condition on the row id.
Computed = Callable[[Context, str, tuple[str, ...]], Condition]
Shape = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ListSpec:
    """How one S&E list filters: which filter names it accepts, which name other objects, which are computed."""

    filterable: frozenset[str]
    refs: Mapping[str, str] = field(default_factory=dict)  # filter name -> kind of the object it names
    computed: Mapping[str, Computed] = field(default_factory=dict)
    fixed: tuple[Condition, ...] = ()  # always applied (e.g. hide deleted values)


def spend_resource(
    kind: str,
    label: str,
    build: Builder,
    filters: dict[str, Field],
    sorts: frozenset[str],
    archive_flag: str = "retired",
    max_page: int = 100,
) -> Resource:
    """Register an S&E kind of object: node ids (no id prefix), lists that sort on one field, and
    `retired` (or `archive_flag`) where AP/AR objects say archived."""
    return register(
        Resource(
            kind,
            label,
            "",
            build,
            filters=filters,
            sorts=sorts,
            max_page=max_page,
            single_sort=True,
            archive_flag=archive_flag,
        )
    )


def _values(op: str, raw: str) -> tuple[str, ...]:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if op in ("in", "nin"):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return (value,)


def _split(resource: Resource, spec: ListSpec, ctx: Context, text: str) -> tuple[str, list[Condition]]:
    """Filters text -> (text for the query engine, conditions computed here)."""
    if not text.strip():
        return "", []
    plain: list[str] = []
    computed: list[Condition] = []
    for clause in split_outside_quotes(text):
        pieces = clause.split(":", 2)
        if len(pieces) != 3:
            plain.append(clause)
            continue
        name, op, raw = pieces[0].strip(), pieces[1].strip(), pieces[2]
        if name not in spec.filterable:
            raise invalid_parameter(
                f"Invalid filter field '{name}'. Filterable fields: {', '.join(sorted(spec.filterable))}."
            )
        allowed = resource.filters[name].ops
        if op not in allowed:
            raise invalid_parameter(
                f"Operator '{op}' is not supported for field '{name}'. Use one of: {', '.join(sorted(allowed))}."
            )
        if name in spec.computed:
            computed.append(spec.computed[name](ctx, op, _values(op, raw)))
        elif name in spec.refs:
            ids = [(row.id if (row := find(ctx, spec.refs[name], v)) else v) for v in _values(op, raw)]
            plain.append(f'{name}:{op}:"{",".join(ids)}"')
        else:
            plain.append(clause)
    return ",".join(plain), computed


def spend_page(
    ctx: Context,
    resource: Resource,
    spec: ListSpec,
    query: Mapping[str, str],
    parent_id: str | None = None,
) -> Page:
    text = query.get("filters") or ""
    sort = query.get("sort") or ""
    plain, computed = _split(resource, spec, ctx, text)
    params = {k: v for k, v in query.items() if k not in ("nextPage", "prevPage")}
    params["filters"] = plain
    parsed = parse_list_query(resource, params, ())
    # The cursor belongs to what the caller asked for, not to the computed conditions.
    fingerprint = f"{zlib.crc32(f'{resource.kind}|{text}|{sort}'.encode()):08x}"
    cursor = None
    for name in ("nextPage", "prevPage"):
        if query.get(name):
            cursor = decode_cursor(query[name], fingerprint)  # a token carries its own direction
            break
    parsed = replace(
        parsed,
        conditions=parsed.conditions + tuple(computed) + spec.fixed,
        cursor=cursor,
        fingerprint=fingerprint,
    )
    return run_page(ctx, resource, parsed, parent_id)


def shaped_page(
    ctx: Context,
    resource: Resource,
    spec: ListSpec,
    query: Mapping[str, str],
    parent_id: str | None = None,
    shape: Shape | None = None,
) -> Page:
    """A page of a list in BILL's public shape of each row (`shape` adjusts it further)."""
    page = spend_page(ctx, resource, spec, query, parent_id)
    bodies = []
    for raw in page.bodies:
        body = present(resource.kind, orjson.loads(raw))
        bodies.append(orjson.dumps(shape(body) if shape else body).decode())
    return Page(bodies, page.next_token, page.prev_token)


def page_of_items(
    query: Mapping[str, str], items: Sequence[dict[str, Any]], max_page: int = 100
) -> dict[str, Any]:
    """A short in-memory list paged like S&E lists (offset cursors; `max` 1..max_page, default 20)."""
    raw_max = query.get("max")
    try:
        limit = 20 if raw_max in (None, "") else int(raw_max)
    except ValueError:
        raise invalid_parameter(f"max must be an integer between 1 and {max_page}.") from None
    if not 1 <= limit <= max_page:
        raise invalid_parameter(f"max must be an integer between 1 and {max_page}.")
    offset = 0
    for name, backward in (("nextPage", False), ("prevPage", True)):
        token = query.get(name)
        if token:
            offset = _decode_offset(token, backward)
            break
    chunk = list(items[offset : offset + limit])
    payload: dict[str, Any] = {"results": chunk}
    if offset + limit < len(items):
        payload["nextPage"] = _encode_offset(offset + limit, False)
    if offset > 0:
        payload["prevPage"] = _encode_offset(max(offset - limit, 0), True)
    return payload


def _encode_offset(offset: int, backward: bool) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset, "b": int(backward)})).rstrip(b"=").decode()


def _decode_offset(token: str, backward: bool) -> int:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        offset, token_backward = int(payload["o"]), bool(payload["b"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise invalid_parameter("Invalid page token.") from None
    if token_backward != backward or offset < 0:
        raise invalid_parameter("Invalid page token.")
    return offset
