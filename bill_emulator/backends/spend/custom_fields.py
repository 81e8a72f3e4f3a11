"""S&E custom fields and their values: list, create, details, update, delete; values list, add, details and
delete. A deleted value leaves the list and cannot be selected again, but stays on past transactions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    BUDGETS,
    CUSTOM_FIELD_VALUES,
    CUSTOM_FIELDS,
    find,
    new_id,
    new_uuid,
    present,
    require,
    save,
)
from bill_emulator.backends.spend.listing import ListSpec, shaped_page, spend_resource
from bill_emulator.errors import invalid_body, not_found, unprocessable
from bill_emulator.query import Condition, Page
from bill_emulator.resources import EQ, EQ_IN, Field
from bill_emulator.validation import body_object, non_negative, optional_bool, optional_text

TYPES = ("CUSTOM_SELECTOR", "NOTE")


def build_custom_field(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    selected = data.get("selectedBudgets", [])
    required = data.get("requiredBudgets", [])
    return {
        "id": data["id"],
        "uuid": data["uuid"],
        "name": data["name"],
        "description": data.get("description") or "",
        "type": data.get("type", "CUSTOM_SELECTOR"),
        "multiSelect": bool(data.get("multiSelect", False)),
        "allowCustomValues": bool(data.get("allowCustomValues", False)),
        "minimumAmountForRequirement": data.get("minimumAmountForRequirement"),
        "required": bool(data.get("required", False)),
        "global": bool(data.get("global", True)),
        "retired": bool(data.get("retired", False)),
        "createdTime": data["createdTime"],
        "selectedBudgetIds": [b["id"] for b in selected],
        "selectedBudgetUuids": [b["uuid"] for b in selected],
        "requiredBudgetIds": [b["id"] for b in required],
        "requiredBudgetUuids": [b["uuid"] for b in required],
        "updatedTime": data.get("updatedTime") or data["createdTime"],
    }


def build_value(ctx: Context, field: dict[str, Any], value: str, now: str) -> dict[str, Any]:
    return {
        "id": new_id(ctx, CUSTOM_FIELD_VALUES),
        "uuid": new_uuid(ctx),
        "value": value,
        "deleted": False,
        "createdTime": now,
        "updatedTime": now,
        "_parent": field["id"],
    }


CUSTOM_FIELDS_RESOURCE = spend_resource(
    CUSTOM_FIELDS,
    "Custom field",
    build_custom_field,
    filters={
        "retired": Field("bool", EQ),
        "customFieldIds": Field("string", EQ_IN, path="id"),
    },
    sorts=frozenset({"name", "createdTime"}),
)
FIELD_SPEC = ListSpec(frozenset(CUSTOM_FIELDS_RESOURCE.filters), refs={"customFieldIds": CUSTOM_FIELDS})
VALUES_RESOURCE = spend_resource(
    CUSTOM_FIELD_VALUES,
    "Custom field value",
    lambda ctx, data: data,
    # BILL's own example filters values on `retired`; a value's flag is `deleted`.
    filters={"retired": Field("bool", EQ, path="deleted")},
    sorts=frozenset({"value"}),
    archive_flag="deleted",
)
VALUE_SPEC = ListSpec(frozenset({"retired"}), fixed=(Condition("deleted", "eq", (0,)),))


def _budgets(ctx: Context, body: dict[str, Any], name: str) -> list[dict[str, Any]] | None:
    refs = body.get(name)
    if refs is None:
        return None
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise invalid_body(f"{name}: must be a list of budget ids")
    return [require(ctx, BUDGETS, ref, "Budget") for ref in refs]


def _settings(ctx: Context, body: dict[str, Any], field: dict[str, Any] | None) -> dict[str, Any]:
    creating = field is None
    fields: dict[str, Any] = {}
    for name in ("name", "description"):
        value = optional_text(body, name, required=creating and name == "name")
        if value is not None:
            fields[name] = value
    for name in ("allowCustomValues", "global", "multiSelect", "required"):
        value = optional_bool(body, name)
        if value is None and creating and name in ("allowCustomValues", "global"):
            raise invalid_body(f"{name}: must not be null")
        if value is not None:
            fields[name] = value
    if body.get("minimumAmountForRequirement") is not None:
        fields["minimumAmountForRequirement"] = non_negative(
            body["minimumAmountForRequirement"], "minimumAmountForRequirement"
        )
    if "type" in body:
        if not creating:
            raise invalid_body("type: cannot be changed")
        if body["type"] not in TYPES:
            raise invalid_body(f"type: must be one of {', '.join(TYPES)}")
        fields["type"] = body["type"]
    for name, key in (("selectedBudgetIds", "selectedBudgets"), ("requiredBudgetIds", "requiredBudgets")):
        budgets = _budgets(ctx, body, name)
        if budgets is not None:
            fields[key] = budgets
    is_global = fields.get("global", field["global"] if field else True)
    selected = (
        fields.get("selectedBudgets")
        if "selectedBudgets" in fields
        else (field or {}).get("selectedBudgetIds")
    )
    if not is_global and not selected:
        raise invalid_body("selectedBudgetIds: must list the budgets when global is false")
    return fields


def _values_body(body: dict[str, Any]) -> list[str]:
    values = body.get("values")
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise invalid_body("values: must be a list of non-blank strings")
    return list(dict.fromkeys(v.strip() for v in values))


def _live_values(ctx: Context, field: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r.body for r in ctx.store.find(CUSTOM_FIELD_VALUES, ctx.scope, field["id"]) if not r.body["deleted"]
    ]


def field_page(ctx: Context, query: Mapping[str, str]) -> Page:
    return shaped_page(ctx, CUSTOM_FIELDS_RESOURCE, FIELD_SPEC, query)


def create_custom_field(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/spend/custom-fields {name, allowCustomValues, global, values, selectedBudgetIds, ...}."""
    body = body_object(body)
    fields = _settings(ctx, body, None)
    values = _values_body(body)
    if values and fields.get("type") == "NOTE":
        raise invalid_body("values: a NOTE custom field has no values")
    now = ctx.now()
    field = build_custom_field(
        ctx, {**fields, "id": new_id(ctx, CUSTOM_FIELDS), "uuid": new_uuid(ctx), "createdTime": now}
    )
    ctx.store.insert(CUSTOM_FIELDS, ctx.scope, field)
    ctx.store.insert_many(CUSTOM_FIELD_VALUES, ctx.scope, [build_value(ctx, field, v, now) for v in values])
    return present(CUSTOM_FIELDS, field)


def get_custom_field(ctx: Context, custom_field_id: str) -> dict[str, Any]:
    return present(CUSTOM_FIELDS, require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field"))


def update_custom_field(ctx: Context, custom_field_id: str, body: Any) -> dict[str, Any]:
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    fields = _settings(ctx, body_object(body), field)
    for key, prefix in (("selectedBudgets", "selectedBudget"), ("requiredBudgets", "requiredBudget")):
        budgets = fields.pop(key, None)
        if budgets is not None:
            field[f"{prefix}Ids"] = [b["id"] for b in budgets]
            field[f"{prefix}Uuids"] = [b["uuid"] for b in budgets]
    field.update(fields)
    save(ctx, CUSTOM_FIELDS, field)
    return present(CUSTOM_FIELDS, field)


def delete_custom_field(ctx: Context, custom_field_id: str) -> None:
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    for row in ctx.store.find(CUSTOM_FIELD_VALUES, ctx.scope, field["id"]):
        ctx.store.delete(CUSTOM_FIELD_VALUES, row.id)
    ctx.store.delete(CUSTOM_FIELDS, field["id"])


def value_page(ctx: Context, custom_field_id: str, query: Mapping[str, str]) -> Page:
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    return shaped_page(ctx, VALUES_RESOURCE, VALUE_SPEC, query, parent_id=field["id"])


def create_values(ctx: Context, custom_field_id: str, body: Any) -> dict[str, Any]:
    """POST /v3/spend/custom-fields/{customFieldId}/values {"values": [...]}: answers with the first value."""
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    if field["type"] == "NOTE":
        raise unprocessable("A NOTE custom field has no values.")
    values = _values_body(body_object(body))
    if not values:
        raise invalid_body("values: must contain at least one value")
    existing = {v["value"].lower(): v for v in _live_values(ctx, field)}
    now = ctx.now()
    created = [build_value(ctx, field, v, now) for v in values if v.lower() not in existing]
    ctx.store.insert_many(CUSTOM_FIELD_VALUES, ctx.scope, created)
    first = existing.get(values[0].lower()) or created[0]
    return present(CUSTOM_FIELD_VALUES, first)


def delete_values(ctx: Context, custom_field_id: str, body: Any) -> None:
    """DELETE /v3/spend/custom-fields/{customFieldId}/values {"customFieldValueIds": [...]}."""
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    refs = body_object(body).get("customFieldValueIds")
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        raise invalid_body("customFieldValueIds: must contain at least one value id")
    values = [value_of(ctx, field, ref) for ref in refs]
    for value in values:
        if not value["deleted"]:
            value["deleted"] = True
            save(ctx, CUSTOM_FIELD_VALUES, value)


def get_value(ctx: Context, custom_field_id: str, custom_field_value_id: str) -> dict[str, Any]:
    field = require(ctx, CUSTOM_FIELDS, custom_field_id, "Custom field")
    return present(CUSTOM_FIELD_VALUES, value_of(ctx, field, custom_field_value_id))


def value_of(ctx: Context, field: dict[str, Any], ref: str) -> dict[str, Any]:
    row = find(ctx, CUSTOM_FIELD_VALUES, ref)
    if row is None or row.parent_id != field["id"]:
        raise not_found("Custom field value", ref)
    return row.body
