"""Generic operations every resource shares: list, get, create, update, archive, restore, delete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.errors import not_found
from bill_emulator.query import ListQuery, Page, page_rows, parse_list_query, run_list
from bill_emulator.resources import Resource
from bill_emulator.validation import body_object

READ_ONLY = frozenset({"id", "createdTime", "updatedTime", "createdBy"})


def deep_merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH semantics: nested objects merge, everything else is replaced."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _fields(ctx: Context, res: Resource, body: Any, existing: dict[str, Any] | None) -> dict[str, Any]:
    body = body_object(body)
    if res.validate is not None:
        return res.validate(ctx, body, existing)
    return {k: v for k, v in body.items() if k not in READ_ONLY}


def list_page(
    ctx: Context,
    res: Resource,
    params: Mapping[str, str],
    cursor_params: tuple[str, ...] = ("page",),
    parent_id: str | None = None,
) -> Page:
    return run_page(ctx, res, parse_list_query(res, params, cursor_params), parent_id)


def run_page(ctx: Context, res: Resource, query: ListQuery, parent_id: str | None = None) -> Page:
    """One page of a parsed list query, through the emulator's deviation knobs when it has them."""
    if ctx.deviations is None:
        return run_list(ctx.store, res, ctx.scope, query, parent_id=parent_id)
    return ctx.deviations.run(ctx, res, query, parent_id)


def rows_page(ctx: Context, rows: Sequence[tuple[tuple[Any, ...], str]], query: ListQuery) -> Page:
    """One page of a short list held in memory (`query.page_rows`), through the deviation knobs too."""
    if ctx.deviations is None:
        return page_rows(rows, query)
    return ctx.deviations.run_rows(rows, query)


def get(ctx: Context, res: Resource, object_id: str, parent_id: str | None = None) -> dict[str, Any]:
    row = ctx.store.get(res.kind, object_id)
    if row is None or row.scope != ctx.scope or (parent_id is not None and row.parent_id != parent_id):
        raise not_found(res.label, object_id)
    return row.body


def create(ctx: Context, res: Resource, body: Any, parent_id: str | None = None) -> dict[str, Any]:
    fields = _fields(ctx, res, body, None)
    now = ctx.now()
    obj = res.build(ctx, {**fields, "id": ctx.ids.new(res.prefix), "createdTime": now, "updatedTime": now})
    if res.parent_field and parent_id is not None:
        obj[res.parent_field] = parent_id
    if res.derive:
        res.derive(ctx, obj)
    ctx.store.insert(res.kind, ctx.scope, obj, parent_id=parent_id)
    return obj


def update(
    ctx: Context,
    res: Resource,
    object_id: str,
    body: Any,
    replace: bool = False,
    parent_id: str | None = None,
) -> dict[str, Any]:
    existing = get(ctx, res, object_id, parent_id)
    fields = _fields(ctx, res, body, existing)
    keep = {k: existing[k] for k in ("id", "createdTime") if k in existing}
    if res.parent_field and res.parent_field in existing:
        keep[res.parent_field] = existing[res.parent_field]
    if replace:
        obj = res.build(ctx, {**fields, **keep, res.archive_flag: existing.get(res.archive_flag, False)})
    else:
        obj = deep_merge(existing, fields)
    obj.update(keep)
    touch(ctx, obj)
    if res.derive:
        res.derive(ctx, obj)
    ctx.store.replace(res.kind, obj)
    return obj


def touch(ctx: Context, obj: dict[str, Any]) -> None:
    """Every write moves updatedTime (strictly forward), so incremental syncs see it."""
    now = ctx.now()
    if "updatedTime" in obj or "createdTime" in obj:
        obj["updatedTime"] = max(now, obj.get("updatedTime") or now)


def set_archived(
    ctx: Context, res: Resource, object_id: str, archived: bool, parent_id: str | None = None
) -> dict[str, Any]:
    obj = get(ctx, res, object_id, parent_id)
    obj[res.archive_flag] = archived
    touch(ctx, obj)
    if res.derive:
        res.derive(ctx, obj)
    ctx.store.replace(res.kind, obj)
    return obj


def save(ctx: Context, res: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """Persist a changed object (from a backend's own business logic)."""
    touch(ctx, obj)
    if res.derive:
        res.derive(ctx, obj)
    ctx.store.replace(res.kind, obj)
    return obj


def delete(ctx: Context, res: Resource, object_id: str) -> dict[str, Any]:
    obj = get(ctx, res, object_id)
    ctx.store.delete(res.kind, object_id)
    return obj


@dataclass(frozen=True)
class Collection:
    """A resource with nothing but the generic rules: the model handlers.crud serves for a Resource."""

    res: Resource
    bulk_key: str | None = None
    max_bulk: int | None = None

    def get(self, ctx: Context, object_id: str) -> dict[str, Any]:
        return get(ctx, self.res, object_id)

    def create(self, ctx: Context, body: Any) -> dict[str, Any]:
        return create(ctx, self.res, body)

    def update(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]:
        return update(ctx, self.res, object_id, body, replace=replace)

    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]:
        return set_archived(ctx, self.res, object_id, archived)
