"""Line items and the documents made of them: how a line looks (LineSpec), how requests add, change and
drop lines (BILL's PATCH and PUT rules), and LineItemFamily, the create/replace/update/archive rules that
bills, credit memos, vendor credits and recurring templates share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.errors import invalid_body
from bill_emulator.resources import Resource
from bill_emulator.validation import (
    body_object,
    boolean,
    classification_ids,
    money,
    objects,
    reject_unknown,
    require_keys,
    required_id,
    text,
)

EMPTY: dict[str, Any] = {}  # read-only stand-in for an absent object ("x or EMPTY")
# What an AR document's own classifications are (invoices, credit memos, recurring invoices), and its lines'.
AR_CLASSIFICATIONS = ("accountingClassId", "departmentId", "jobId", "locationId")
AR_LINE_CLASSIFICATIONS = ("chartOfAccountId", *AR_CLASSIFICATIONS, "itemId")


def classifications_of(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A document's or a line's `classifications`: each of these keys, null where the data has none."""
    return {key: (data.get("classifications") or EMPTY).get(key) for key in keys}


# -- a document's fields from a request --------------------------------------------------------------
def document_fields(
    body: dict[str, Any], allowed: Iterable[str], required: Iterable[str], replace: bool
) -> dict[str, Any]:
    """The fields a write of a document starts from: none yet, once the request names only `allowed` keys
    and, when it replaces the document (PUT), every `required` one."""
    reject_unknown(body, allowed)
    if replace:
        require_keys(body, required)
    return {}


def take_owner(
    ctx: Context, body: dict[str, Any], fields: dict[str, Any], key: str, owners: Resource
) -> None:
    """The customer or vendor the request names under `key` (it must exist), into `fields`."""
    if key in body:
        fields[key] = generic.get(ctx, owners, required_id(body, key))["id"]


def take_texts(body: dict[str, Any], fields: dict[str, Any], keys: tuple[str, ...]) -> None:
    """The request's free-text fields among `keys` (each a string), into `fields`."""
    for key in keys:
        if key in body:
            fields[key] = text(body, key, message=f"{key}: must be a string")


def take_classifications(body: dict[str, Any], fields: dict[str, Any], keys: tuple[str, ...]) -> None:
    """The request's own `classifications` (only these keys), checked, into `fields` when it sends them."""
    if "classifications" in body:
        fields["classifications"] = classification_ids(keys, body["classifications"], "classifications")


# -- line items ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineSpec:
    """How one kind of line item looks: id prefix, classification keys and optional fields."""

    prefix: str
    classifications: tuple[str, ...]
    priced: bool = False  # has price and quantity; amount = price * quantity
    extras: tuple[str, ...] = ()  # "taxable", "ratePercent"
    ignored: tuple[str, ...] = ()  # accepted in requests, not part of the object (e.g. quantity)

    @property
    def rated(self) -> bool:
        """Lines may be percentage lines: only a ratePercent, applied to the lines above them."""
        return self.priced and "ratePercent" in self.extras


def is_rate_line(line: dict[str, Any]) -> bool:
    return line.get("price", 0) is None


def apply_rates(lines: list[dict[str, Any]]) -> None:
    """A percentage line's amount is its ratePercent of the regular lines above it (e.g. -10 = 10% off)."""
    running = 0.0
    for line in lines:
        if is_rate_line(line):
            line["amount"] = round(running * line["ratePercent"] / 100, 2)
        else:
            running += line["amount"]


def check_lines(items: Any, spec: LineSpec, key: str) -> list[dict[str, Any]]:
    """Validate a write-shape line list (new lines and, on updates, lines by id)."""
    objects(items, f"{key}: must contain at least one line item")
    allowed = {"id", "amount", "description", "classifications", *spec.extras, *spec.ignored}
    if spec.priced:
        allowed |= {"price", "quantity"}
    for line in items:
        reject_unknown(line, allowed)
        for name in ("amount", "price", "quantity", "ratePercent"):
            if name in line:
                money(line[name], f"{key}.{name}")
        if spec.priced and "quantity" in line and line["quantity"] <= 0:
            raise invalid_body(f"{key}.quantity: must be greater than zero")
        priced = spec.priced and "price" in line
        rated = spec.rated and "ratePercent" in line
        if not line.get("id") and "amount" not in line and not priced and not rated:
            raise invalid_body(f"{key}.amount: must not be null")
        if spec.priced and "amount" in line and "price" in line:
            quantity = float(line.get("quantity", 1))
            if abs(line["price"] * quantity - line["amount"]) > 0.01:
                raise invalid_body(f"{key}.amount: must equal price * quantity")
        if line.get("id") is not None and not isinstance(line["id"], str):
            raise invalid_body(f"{key}.id: must be a string id")
        if "description" in line and not isinstance(line["description"], str):
            raise invalid_body(f"{key}.description: must be a string")
        if "taxable" in line:
            boolean(line["taxable"], f"{key}.taxable")
        classification_ids(spec.classifications, line.get("classifications"), f"{key}.classifications")
    return items


def take_lines(body: dict[str, Any], fields: dict[str, Any], key: str, spec: LineSpec) -> None:
    """The request's line items under `key`, checked, into `fields` when it sends them."""
    if key in body:
        fields[key] = check_lines(body[key], spec, key)


def build_line(spec: LineSpec, data: dict[str, Any], new_id: Callable[[str], str]) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": data.get("id") or new_id(spec.prefix),
        "description": data.get("description", ""),
    }
    if spec.rated and data.get("price") is None and data.get("amount") is None and data.get("ratePercent"):
        line.update(amount=0.0, price=None, quantity=None)  # a percentage line: see apply_rates
    elif spec.priced:
        quantity = float(data.get("quantity", 1) or 1)
        if data.get("amount") is not None:
            amount = round(float(data["amount"]), 2)
            price = (
                round(float(data["price"]), 2)
                if data.get("price") is not None
                else round(amount / quantity, 2)
            )
        else:
            price = round(float(data.get("price", 0.0)), 2)
            amount = round(price * quantity, 2)
        line.update(amount=amount, price=price, quantity=quantity)
    else:
        line["amount"] = round(float(data.get("amount", 0.0)), 2)
    if "ratePercent" in spec.extras:
        line["ratePercent"] = float(data.get("ratePercent") or 0.0)
    if "taxable" in spec.extras:
        line["taxable"] = bool(data.get("taxable", False))
    line["classifications"] = classifications_of(data, spec.classifications)
    return line


def _merge_line(spec: LineSpec, old: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in old.items() if k not in ("amount", "price", "quantity", "classifications")}
    data.update(
        {k: v for k, v in change.items() if k not in ("amount", "price", "quantity", "classifications")}
    )
    data["classifications"] = {**old["classifications"], **(change.get("classifications") or EMPTY)}
    if spec.rated and is_rate_line(old) and not {"amount", "price", "quantity"} & set(change):
        data.update(amount=None, price=None)  # still a percentage line
    elif spec.priced:
        data["quantity"] = change.get("quantity", old["quantity"]) or 1.0
        if "amount" in change:
            data["amount"] = change["amount"]
            if "price" in change:
                data["price"] = change["price"]
        elif "price" in change or "quantity" in change:
            data["price"] = change.get("price", old["price"]) or 0.0
        else:
            data["amount"], data["price"] = old["amount"], old["price"]
    else:
        data["amount"] = change.get("amount", old["amount"])
    return build_line(spec, data, lambda prefix: "")


def merge_lines(
    ctx: Context, spec: LineSpec, existing: list[dict[str, Any]], changes: list[dict[str, Any]], replace: bool
) -> list[dict[str, Any]]:
    """PATCH changes lines by id and adds new ones; PUT keeps only the lines it names (BILL's rules)."""
    by_id = {line["id"]: line for line in existing}
    result = [] if replace else [dict(line) for line in existing]
    for change in changes:
        line_id = change.get("id")
        if line_id and line_id not in by_id:
            raise invalid_body(f"Line item {line_id} does not belong to this object.")
        if line_id:
            line = _merge_line(spec, by_id[line_id], change)
            if replace:
                result.append(line)
            else:
                result = [line if x["id"] == line_id else x for x in result]
        else:
            result.append(build_line(spec, change, ctx.ids.new))
    return result


# -- a family of line-item documents --------------------------------------------------------------
Validate = Callable[[Context, dict[str, Any], "dict[str, Any] | None", bool], dict[str, Any]]
Hook = Callable[[Context, dict[str, Any], "dict[str, Any] | None"], None]


@dataclass
class LineItemFamily:
    """Create, replace, update and archive for one kind of line-item document (bills, credit memos, vendor
    credits, recurring templates): the model handlers.crud serves. Hooks add a family's own rules."""

    res: Resource
    lines_key: str
    line: LineSpec
    validate: Validate  # (ctx, body, existing, replace) -> fields; lines raw under lines_key
    bulk_key: str | None = None  # bulk responses wrap the list in this key
    max_bulk: int = 50
    on_create: Hook | None = None  # before the insert
    check: Hook | None = None  # after derivation, before storing; raise to refuse
    after_write: Hook | None = None  # (ctx, new, old) once stored

    def get(self, ctx: Context, object_id: str) -> dict[str, Any]:
        return generic.get(ctx, self.res, object_id)

    def create(self, ctx: Context, body: Any) -> dict[str, Any]:
        fields = self.validate(ctx, body_object(body), None, True)
        now = ctx.now()
        obj = self.res.build(
            ctx, {**fields, "id": ctx.ids.new(self.res.prefix), "createdTime": now, "updatedTime": now}
        )
        if self.res.derive:
            self.res.derive(ctx, obj)
        if self.on_create:
            self.on_create(ctx, obj, None)
        if self.check:
            self.check(ctx, obj, None)
        ctx.store.insert(self.res.kind, ctx.scope, obj)
        if self.after_write:
            self.after_write(ctx, obj, None)
        return obj

    def update(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]:
        body_object(body)
        existing = generic.get(ctx, self.res, object_id)
        fields = self.validate(ctx, body, existing, replace)
        lines = fields.pop(self.lines_key, None)
        obj = generic.deep_merge(existing, fields)
        if lines is not None:
            obj[self.lines_key] = merge_lines(ctx, self.line, existing[self.lines_key], lines, replace)
        if self.res.derive:
            self.res.derive(ctx, obj)
        if self.check:
            self.check(ctx, obj, existing)
        generic.save(ctx, self.res, obj)
        if self.after_write:
            self.after_write(ctx, obj, existing)
        return obj

    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]:
        existing = generic.get(ctx, self.res, object_id)
        if existing["archived"] == archived:
            return existing  # BILL: "There is no change when you archive an archived ..."
        obj = generic.set_archived(ctx, self.res, object_id, archived)
        if self.after_write:
            self.after_write(ctx, obj, existing)
        return obj
