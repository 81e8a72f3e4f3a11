"""S&E reimbursements: list, create, details, update (while awaiting approval), delete, approve or deny,
receipts and image upload URLs. Every status change is appended to `statusHistory`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    BUDGETS,
    MEMBERS,
    REIMBURSEMENTS,
    USERS,
    new_id,
    new_uuid,
    present,
    require,
    require_admin,
    save,
)
from bill_emulator.backends.spend.listing import ListSpec, shaped_page, spend_resource
from bill_emulator.backends.spend.tagging import (
    apply_updates,
    drop_receipt,
    entry,
    fields_for,
    receipt,
    upload_url,
)
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.query import Page
from bill_emulator.resources import EQ, EQ_IN, Field
from bill_emulator.timefmt import parse_date
from bill_emulator.validation import body_object, empty, non_negative, optional_text, require_fields

AWAITING = "AWAITING_APPROVAL"
ACTIONS = {"APPROVE": "APPROVED", "DENY": "DENIED"}


def history(actor: str | None, role: str, when: str, status: str, note: str | None = None) -> dict[str, Any]:
    return {"actorId": actor, "actorRole": role, "occurredTime": when, "note": note, "status": status}


def build_reimbursement(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    user, budget = data["user"], data["budget"]
    amount = data["amount"]
    return {
        "id": data["id"],
        "uuid": data["uuid"],
        "amount": amount,
        "fulfillmentType": data.get("fulfillmentType", "ACH"),
        "fundRequestAmount": amount,
        "fundRequestBudgetAmount": amount,
        "merchantName": data["merchantName"],
        "note": data["note"],
        "submittedTime": data["submittedTime"],
        "occurredDate": data["occurredDate"],
        "retired": bool(data.get("retired", False)),
        "status": data.get("status", AWAITING),
        "type": data.get("type", "OUT_OF_POCKET"),
        "batchId": data.get("batchId"),
        "batchAmount": data.get("batchAmount"),
        "statusHistory": data.get("statusHistory")
        or [history(user["id"], "SUBMITTER", data["submittedTime"], AWAITING, data["note"])],
        "budgetId": budget["id"],
        "budgetUuid": budget["uuid"],
        "userId": user["id"],
        "userUuid": user["uuid"],
        "receipts": data.get("receipts", []),
        "customFields": data.get("customFields")
        or [entry(f, budget["id"], []) for f in data.get("fields", [])],
        "createdTime": data["submittedTime"],
        "updatedTime": data.get("updatedTime") or data["submittedTime"],
    }


REIMBURSEMENTS_RESOURCE = spend_resource(
    REIMBURSEMENTS,
    "Reimbursement",
    build_reimbursement,
    filters={
        "reimbursementIds": Field("string", EQ_IN, path="id"),
        "status": Field("string", EQ_IN),
        "userId": Field("string", EQ_IN),
        "budgetId": Field("string", EQ_IN),
        "retired": Field("bool", EQ),
    },
    sorts=frozenset({"submittedTime", "amount", "occurredDate"}),
)
SPEC = ListSpec(
    frozenset(REIMBURSEMENTS_RESOURCE.filters),
    refs={"reimbursementIds": REIMBURSEMENTS, "userId": USERS, "budgetId": BUDGETS},
)


def _occurred(body: dict[str, Any], required: bool) -> str | None:
    value = body.get("occurredDate")
    if value is None:
        if required:
            raise invalid_body("occurredDate: must not be null")
        return None
    try:
        return parse_date(str(value))
    except ValueError:
        raise invalid_body("occurredDate: must be a date in yyyy-MM-dd format") from None


def _spender(ctx: Context, budget: dict[str, Any], user: dict[str, Any]) -> None:
    row = ctx.store.get(MEMBERS, f"{budget['id']}.{user['id']}")
    if budget["retired"] or row is None or row.body["budgetRole"] == "OBSERVER":
        raise unprocessable("The user cannot spend from this budget.")


def reimbursement_page(ctx: Context, query: Mapping[str, str]) -> Page:
    return shaped_page(ctx, REIMBURSEMENTS_RESOURCE, SPEC, query)


def create_reimbursement(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/spend/reimbursements {userId, budgetId, amount, note, merchantName, occurredDate, receipts, customFields}."""
    body = body_object(body)
    require_fields(
        body, ("userId", "budgetId", "amount", "note", "merchantName", "occurredDate"), blank=empty
    )
    user = require(ctx, USERS, str(body["userId"]), "User")
    budget = require(ctx, BUDGETS, str(body["budgetId"]), "Budget")
    amount = non_negative(body["amount"], "amount")
    if amount <= 0:
        raise invalid_body("amount: must be greater than 0")
    receipts = body.get("receipts")
    if not isinstance(receipts, list):
        raise invalid_body("receipts: must be a list of receipts")
    _spender(ctx, budget, user)
    now = ctx.now()
    reimbursement = build_reimbursement(
        ctx,
        {
            "id": new_id(ctx, REIMBURSEMENTS),
            "uuid": new_uuid(ctx),
            "user": user,
            "budget": budget,
            "amount": amount,
            "merchantName": optional_text(body, "merchantName", required=True),
            "note": optional_text(body, "note", required=True, limit=2000),
            "occurredDate": _occurred(body, True),
            "submittedTime": now,
            "receipts": [receipt(ctx, r) for r in receipts],
            "fields": fields_for(ctx, budget["id"]),
        },
    )
    if body.get("customFields") is not None:
        reimbursement["customFields"] = apply_updates(
            ctx, reimbursement["customFields"], budget["id"], body["customFields"]
        )
    ctx.store.insert(REIMBURSEMENTS, ctx.scope, reimbursement)
    return present(REIMBURSEMENTS, reimbursement)


def get_reimbursement(ctx: Context, reimbursement_id: str) -> dict[str, Any]:
    return present(REIMBURSEMENTS, _reimbursement(ctx, reimbursement_id))


def _reimbursement(ctx: Context, reimbursement_id: str) -> dict[str, Any]:
    return require(ctx, REIMBURSEMENTS, reimbursement_id, "Reimbursement")


def update_reimbursement(ctx: Context, reimbursement_id: str, body: Any) -> dict[str, Any]:
    """PATCH: amount, note, merchantName, occurredDate, budgetId, customFields."""
    reimbursement = _reimbursement(ctx, reimbursement_id)
    body = body_object(body)
    if body.get("amount") is not None:
        amount = non_negative(body["amount"], "amount")
        if amount <= 0:
            raise invalid_body("amount: must be greater than 0")
        reimbursement.update(
            {"amount": amount, "fundRequestAmount": amount, "fundRequestBudgetAmount": amount}
        )
    for name in ("note", "merchantName"):
        value = optional_text(body, name, limit=2000)
        if value is not None:
            reimbursement[name] = value
    occurred = _occurred(body, False)
    if occurred:
        reimbursement["occurredDate"] = occurred
    if body.get("budgetId"):
        budget = require(ctx, BUDGETS, str(body["budgetId"]), "Budget")
        _spender(ctx, budget, require(ctx, USERS, reimbursement["userId"], "User"))
        reimbursement["budgetId"], reimbursement["budgetUuid"] = budget["id"], budget["uuid"]
    if body.get("customFields") is not None:
        reimbursement["customFields"] = apply_updates(
            ctx, reimbursement["customFields"], reimbursement["budgetId"], body["customFields"]
        )
    save(ctx, REIMBURSEMENTS, reimbursement)
    return present(REIMBURSEMENTS, reimbursement)


def delete_reimbursement(ctx: Context, reimbursement_id: str) -> None:
    reimbursement = _reimbursement(ctx, reimbursement_id)
    ctx.store.delete(REIMBURSEMENTS, reimbursement["id"])


def act(ctx: Context, reimbursement_id: str, body: Any) -> dict[str, Any]:
    """POST /v3/spend/reimbursements/{reimbursementId}/action {"action": "APPROVE" | "DENY", "note"} (ADMIN only)."""
    admin = require_admin(ctx)
    body = body_object(body)
    action = body.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise invalid_body(f"action: must be one of {', '.join(ACTIONS)}")
    note = optional_text(body, "note", limit=2000)
    reimbursement = _reimbursement(ctx, reimbursement_id)
    if reimbursement["status"] != AWAITING:
        raise unprocessable(
            f"A reimbursement in status {reimbursement['status']} cannot be approved or denied."
        )
    owner = ctx.store.get(MEMBERS, f"{reimbursement['budgetId']}.{admin['id']}")
    role = "BUDGET_OWNER" if owner is not None and owner.body["budgetRole"] == "OWNER" else "ADMIN"
    now = ctx.now()
    steps = [history(admin["id"], role, now, ACTIONS[action], note)]
    if action == "APPROVE":
        steps.append(history(admin["id"], role, now, "READY_TO_PAY"))
    reimbursement["statusHistory"] = [*reimbursement["statusHistory"], *steps]
    reimbursement["status"] = steps[-1]["status"]
    save(ctx, REIMBURSEMENTS, reimbursement)
    return present(REIMBURSEMENTS, reimbursement)


def add_receipt(ctx: Context, reimbursement_id: str, body: Any) -> dict[str, Any]:
    reimbursement = _reimbursement(ctx, reimbursement_id)
    added = receipt(ctx, body)
    reimbursement["receipts"] = [*reimbursement["receipts"], added]
    save(ctx, REIMBURSEMENTS, reimbursement)
    return added


def delete_receipt(ctx: Context, reimbursement_id: str, receipt_id: str) -> None:
    reimbursement = _reimbursement(ctx, reimbursement_id)
    reimbursement["receipts"] = drop_receipt(reimbursement["receipts"], receipt_id)
    save(ctx, REIMBURSEMENTS, reimbursement)


def image_upload_url(ctx: Context) -> dict[str, Any]:
    return {"url": upload_url(ctx, "reimbursements")}
