"""What transactions and reimbursements share: custom-field entries (with their selected values) and receipts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import CUSTOM_FIELD_VALUES, CUSTOM_FIELDS, find, new_uuid, require
from bill_emulator.errors import invalid_body, not_found

UPLOAD_HOST = "https://uploads.bill-emulator.invalid"  # never resolves: uploads are not emulated


def applies(field: dict[str, Any], budget_id: str | None) -> bool:
    return not field["retired"] and (field["global"] or budget_id in field["selectedBudgetIds"])


def is_required(field: dict[str, Any], budget_id: str | None) -> bool:
    return field["required"] and (not field["requiredBudgetIds"] or budget_id in field["requiredBudgetIds"])


def entry(
    field: dict[str, Any], budget_id: str | None, values: list[dict[str, Any]], note: str | None = None
) -> dict[str, Any]:
    """A custom field as it appears on a transaction or reimbursement."""
    return {
        "id": field["id"],
        "uuid": field["uuid"],
        "name": field["name"],
        "note": note if field["type"] == "NOTE" else None,
        "isRequired": is_required(field, budget_id),
        "selectedValues": [{"id": v["id"], "uuid": v["uuid"], "value": v["value"]} for v in values],
    }


def fields_for(ctx: Context, budget_id: str | None) -> list[dict[str, Any]]:
    return [r.body for r in ctx.store.find(CUSTOM_FIELDS, ctx.scope) if applies(r.body, budget_id)]


def apply_updates(
    ctx: Context, entries: list[dict[str, Any]], budget_id: str | None, updates: Any
) -> list[dict[str, Any]]:
    """[{customFieldId, selectedValues: [value ids or uuids], note}] applied to a list of entries."""
    if not isinstance(updates, list) or not updates:
        raise invalid_body("customFields: must contain at least one custom field")
    result = {e["id"]: e for e in entries}
    order = [e["id"] for e in entries]
    for update in updates:
        if not isinstance(update, dict) or not isinstance(update.get("customFieldId"), str):
            raise invalid_body("customFields.customFieldId: must not be blank")
        field = require(ctx, CUSTOM_FIELDS, update["customFieldId"], "Custom field")
        if not applies(field, budget_id):
            raise invalid_body(
                f"customFields: custom field {update['customFieldId']} does not apply to this budget"
            )
        refs = update.get("selectedValues", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise invalid_body("customFields.selectedValues: must be a list of value ids")
        if field["type"] == "NOTE" and refs:
            raise invalid_body("customFields.selectedValues: a NOTE custom field has no values")
        if len(refs) > 1 and not field["multiSelect"]:
            raise invalid_body(f"customFields.selectedValues: {field['name']} takes one value")
        values = []
        for ref in refs:
            row = find(ctx, CUSTOM_FIELD_VALUES, ref)
            if row is None or row.parent_id != field["id"] or row.body["deleted"]:
                raise invalid_body(f"customFields.selectedValues: {ref} is not a value of {field['name']}")
            values.append(row.body)
        note = update.get("note")
        if note is not None and (not isinstance(note, str) or field["type"] != "NOTE"):
            raise invalid_body("customFields.note: only NOTE custom fields take a note")
        previous = result.get(field["id"])
        kept_note = note if note is not None else (previous or {}).get("note")
        result[field["id"]] = entry(field, budget_id, values, kept_note)
        if field["id"] not in order:
            order.append(field["id"])
    return [result[i] for i in order]


def upload_url(ctx: Context, folder: str) -> str:
    return f"{UPLOAD_HOST}/spend/{folder}/{new_uuid(ctx)}.jpg"


def receipt(ctx: Context, body: Any) -> dict[str, Any]:
    """{url, filename} -> a stored receipt; filename defaults to the last segment of the url."""
    if not isinstance(body, dict):
        raise invalid_body("Receipt must be a JSON object.")
    url = body.get("url")
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise invalid_body("url: must be the upload URL of the receipt image")
    filename = body.get("filename") or parsed.path.rsplit("/", 1)[-1] or "receipt.jpg"
    if not isinstance(filename, str):
        raise invalid_body("filename: must be a string")
    return {"filename": filename, "url": url, "uuid": new_uuid(ctx)}


def drop_receipt(receipts: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    kept = [r for r in receipts if r["uuid"] != ref]
    if len(kept) == len(receipts):
        raise not_found("Receipt", ref)
    return kept
