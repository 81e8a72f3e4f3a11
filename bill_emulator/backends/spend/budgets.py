"""S&E budgets and their members (owners, members, observers): list, create, details, update, delete,
and member add/update (one or in bulk), details and removal. Budget and member `spent` come from ledger.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    BUDGETS,
    MEMBERS,
    USERS,
    new_id,
    new_uuid,
    present,
    require,
    save,
)
from bill_emulator.backends.spend.ledger import refresh
from bill_emulator.backends.spend.listing import ListSpec, shaped_page, spend_resource
from bill_emulator.backends.spend.users import full_name
from bill_emulator.errors import invalid_body, not_found
from bill_emulator.query import Page
from bill_emulator.resources import EQ, EQ_IN, RANGE, Field
from bill_emulator.timefmt import parse_date
from bill_emulator.validation import body_object, non_negative, optional_bool, optional_text

INTERVALS = ("NONE", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "YEARLY")
SHARE_FUNDS = ("SHARE_ALL_OWNERS_BUT_MEMBERS_MANUALLY", "SHARE_WITH_ALL_MEMBERS", "SHARE_MANUALLY")
BUDGET_ROLES = ("OWNER", "MEMBER", "OBSERVER")
_SETTINGS = ("autoAddUsers", "receiptRequired", "carryOver", "limitlessOverspend")


def build_budget(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    limit = data.get("limit", data.get("recurringLimit", 0.0)) or 0.0
    budget = {
        "id": data["id"],
        "uuid": data["uuid"],
        "name": data["name"],
        "description": data.get("description") or "",
        "retired": bool(data.get("retired", False)),
        "startDate": data.get("startDate") or data["createdTime"][:10],
        "expirationDate": data.get("expirationDate"),
        "recurringInterval": data.get("recurringInterval", "MONTHLY"),
        "timezone": data.get("timezone") or "US/Pacific",
        "autoAddUsers": bool(data.get("autoAddUsers", False)),
        "receiptRequired": bool(data.get("receiptRequired", False)),
        "maxTxSize": data.get("maxTxSize"),
        "carryOver": bool(data.get("carryOver", False)),
        "default": bool(data.get("default", False)),
        "parentBudgetId": data.get("parentBudgetId"),
        "parentBudgetUuid": data.get("parentBudgetUuid"),
        "budgetGroup": bool(data.get("budgetGroup", False)),
        "shareFunds": data.get("shareFunds") or "SHARE_ALL_OWNERS_BUT_MEMBERS_MANUALLY",
        "recurringLimit": data.get("recurringLimit", limit),
        "limitlessOverspend": bool(data.get("limitlessOverspend", False)),
        "limitlessGoal": data.get("limitlessGoal"),
        "currentPeriod": {
            "startDate": None,
            "endDate": None,
            "limit": limit,
            "overspendBuffer": data.get("overspendBuffer", 0.0),
            "assigned": 0.0,
            "spent": {"cleared": 0.0, "pending": 0.0, "total": 0.0},
        },
        "_recurMonth": data.get("recurMonth"),
        "createdTime": data["createdTime"],
        "updatedTime": data.get("updatedTime") or data["createdTime"],
    }
    return budget


def build_member(
    budget: dict[str, Any], user: dict[str, Any], data: dict[str, Any], now: str
) -> dict[str, Any]:
    share = bool(data.get("shareBudgetFunds", False))
    recurring_limit = data.get("recurringLimit")
    return {
        "id": f"{budget['id']}.{user['id']}",
        "userId": user["id"],
        "userUuid": user["uuid"],
        "spent": 0.0,
        "limit": None if share else float(data.get("limit") or 0.0),
        "recurringLimit": None if share else recurring_limit,
        "recurring": bool(recurring_limit) and budget["recurringInterval"] != "NONE",
        "budgetRole": data.get("budgetRole", "MEMBER"),
        "name": full_name(user),
        "retired": user["retired"],
        "shareBudgetFunds": share,
        "createdTime": now,
        "updatedTime": now,
    }


BUDGETS_RESOURCE = spend_resource(
    BUDGETS,
    "Budget",
    build_budget,
    filters={
        "budgetIds": Field("string", EQ_IN, path="id"),
        "retired": Field("bool", EQ),
        "name": Field("string", EQ),
        "spent": Field("number", RANGE, path="currentPeriod.spent.total"),
    },
    sorts=frozenset({"name", "spent"}),
)
BUDGET_SPEC = ListSpec(frozenset({"budgetIds", "retired", "name"}), refs={"budgetIds": BUDGETS})
MEMBERS_RESOURCE = spend_resource(
    MEMBERS,
    "Budget member",
    lambda ctx, data: data,
    filters={"retired": Field("bool", EQ)},
    sorts=frozenset({"name", "spent"}),
)
MEMBER_SPEC = ListSpec(frozenset({"retired"}))


def _date(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return parse_date(str(value))
    except ValueError:
        raise invalid_body(f"{name}: must be a date in yyyy-MM-dd format") from None


def _settings(body: dict[str, Any], budget: dict[str, Any] | None) -> dict[str, Any]:
    """The writable budget settings in a create or update body."""
    fields: dict[str, Any] = {}
    for name in ("name", "description", "timezone"):
        value = optional_text(body, name, required=name == "name" and budget is None)
        if value is not None:
            fields[name] = value
    if "expirationDate" in body:
        fields["expirationDate"] = _date(body, "expirationDate")
    interval = body.get("recurringInterval")
    if interval is not None or budget is None:
        if interval not in INTERVALS:
            raise invalid_body(f"recurringInterval: must be one of {', '.join(INTERVALS)}")
        fields["recurringInterval"] = interval
    interval = fields.get("recurringInterval") or (budget or {}).get("recurringInterval")
    if body.get("recurMonth") is not None:
        month = body["recurMonth"]
        if interval not in ("QUARTERLY", "YEARLY"):
            raise invalid_body("recurMonth: set it only when recurringInterval is QUARTERLY or YEARLY")
        if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
            raise invalid_body("recurMonth: must be an integer from 1 to 12")
        fields["recurMonth"] = month
    for name in _SETTINGS:
        value = optional_bool(body, name)
        if value is not None:
            fields[name] = value
    if fields.get("limitlessOverspend") and interval in ("DAILY", "WEEKLY"):
        raise invalid_body("limitlessOverspend: cannot be true for DAILY or WEEKLY budgets")
    for name in ("maxTxSize", "limit", "recurringLimit", "overspendBuffer", "limitlessGoal"):
        if body.get(name) is not None:
            fields[name] = non_negative(body[name], name)
    if "shareFunds" in body:
        if body["shareFunds"] not in SHARE_FUNDS:
            raise invalid_body(f"shareFunds: must be one of {', '.join(SHARE_FUNDS)}")
        fields["shareFunds"] = body["shareFunds"]
    return fields


def _users(ctx: Context, body: dict[str, Any], name: str, required: bool = False) -> list[dict[str, Any]]:
    refs = body.get(name)
    if refs is None and not required:
        return []
    if not isinstance(refs, list) or (required and not refs) or not all(isinstance(r, str) for r in refs):
        raise invalid_body(
            f"{name}: must be a list of user ids" + (" with at least one user" if required else "")
        )
    return [require(ctx, USERS, ref, "User") for ref in refs]


def _shares(budget: dict[str, Any], role: str) -> bool:
    mode = budget["shareFunds"]
    if role == "OBSERVER":
        return False
    return mode == "SHARE_WITH_ALL_MEMBERS" or (
        mode == "SHARE_ALL_OWNERS_BUT_MEMBERS_MANUALLY" and role == "OWNER"
    )


def budget_page(ctx: Context, query: Mapping[str, str]) -> Page:
    return shaped_page(ctx, BUDGETS_RESOURCE, BUDGET_SPEC, query)


def create_budget(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/spend/budgets: name, owners (at least one), recurringInterval, limits, settings."""
    body = body_object(body)
    fields = _settings(body, None)
    groups = [
        (role, _users(ctx, body, key, key == "owners"))
        for role, key in (("OWNER", "owners"), ("MEMBER", "members"), ("OBSERVER", "observers"))
    ]
    now = ctx.now()
    budget = build_budget(
        ctx, {**fields, "id": new_id(ctx, BUDGETS), "uuid": new_uuid(ctx), "createdTime": now}
    )
    ctx.store.insert(BUDGETS, ctx.scope, budget)
    seen: set[str] = set()
    for role, users in groups:
        for user in users:
            if user["id"] in seen:
                continue
            seen.add(user["id"])
            member = build_member(
                budget, user, {"budgetRole": role, "shareBudgetFunds": _shares(budget, role)}, now
            )
            ctx.store.insert(MEMBERS, ctx.scope, member, parent_id=budget["id"])
    refresh(ctx)
    return present(BUDGETS, require(ctx, BUDGETS, budget["id"], "Budget"))


def get_budget(ctx: Context, budget_id: str) -> dict[str, Any]:
    return present(BUDGETS, require(ctx, BUDGETS, budget_id, "Budget"))


def update_budget(ctx: Context, budget_id: str, body: Any) -> dict[str, Any]:
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    fields = _settings(body_object(body), budget)
    current = budget["currentPeriod"]
    if "limit" in fields:
        current["limit"] = fields.pop("limit")
    if "overspendBuffer" in fields:
        current["overspendBuffer"] = fields.pop("overspendBuffer")
    if "recurMonth" in fields:
        budget["_recurMonth"] = fields.pop("recurMonth")
    budget.update(fields)
    save(ctx, BUDGETS, budget)
    refresh(ctx)
    return present(BUDGETS, require(ctx, BUDGETS, budget["id"], "Budget"))


def delete_budget(ctx: Context, budget_id: str) -> None:
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    for row in ctx.store.find(MEMBERS, ctx.scope, budget["id"]):
        ctx.store.delete(MEMBERS, row.id)
    ctx.store.delete(BUDGETS, budget["id"])


# -- members ---------------------------------------------------------------------------------
def _member(ctx: Context, budget: dict[str, Any], user: dict[str, Any]) -> dict[str, Any] | None:
    row = ctx.store.get(MEMBERS, f"{budget['id']}.{user['id']}")
    return row.body if row is not None else None


def _member_changes(body: Any, existing: dict[str, Any] | None, bulk: bool = False) -> dict[str, Any]:
    """Limits, role and sharing of one member. The single upsert refuses shared funds together with
    limits (BILL documents that); BILL's own bulk example sends both, so bulk keeps both."""
    if not isinstance(body, dict):
        raise invalid_body("Each member must be a JSON object.")
    changes: dict[str, Any] = {}
    for name in ("limit", "recurringLimit"):
        if body.get(name) is not None:
            changes[name] = non_negative(body[name], name)
    role = body.get("role", body.get("budgetRole"))
    if role is not None:
        if role not in BUDGET_ROLES:
            raise invalid_body(f"role: must be one of {', '.join(BUDGET_ROLES)}")
        changes["budgetRole"] = role
    share = optional_bool(body, "shareBudgetFunds")
    if share is not None:
        changes["shareBudgetFunds"] = share
    if share and not bulk and ("limit" in changes or "recurringLimit" in changes):
        raise invalid_body("shareBudgetFunds: cannot be true when limit or recurringLimit is set")
    sharing = share if share is not None else bool(existing and existing["shareBudgetFunds"])
    if existing is None and not sharing and "limit" not in changes:
        raise invalid_body("limit: is required when shareBudgetFunds is false")
    return changes


def _apply_member(
    ctx: Context, budget: dict[str, Any], user: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    now = ctx.now()
    member = _member(ctx, budget, user)
    if member is None:
        member = build_member(budget, user, changes, now)
        ctx.store.insert(MEMBERS, ctx.scope, member, parent_id=budget["id"])
        return member
    member.update(changes)
    if changes.get("shareBudgetFunds") and "limit" not in changes and "recurringLimit" not in changes:
        member["limit"] = member["recurringLimit"] = None
    elif "shareBudgetFunds" in changes or "limit" in changes or "recurringLimit" in changes:
        member["limit"] = member["limit"] or 0.0
    member["recurring"] = bool(member["recurringLimit"]) and budget["recurringInterval"] != "NONE"
    save(ctx, MEMBERS, member)
    return member


def member_page(ctx: Context, budget_id: str, query: Mapping[str, str]) -> Page:
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    return shaped_page(ctx, MEMBERS_RESOURCE, MEMBER_SPEC, query, parent_id=budget["id"])


def get_member(ctx: Context, budget_id: str, user_id: str) -> dict[str, Any]:
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    user = require(ctx, USERS, user_id, "User")
    member = _member(ctx, budget, user)
    if member is None:
        raise not_found("Budget member", user_id)
    return present(MEMBERS, member)


def upsert_member(ctx: Context, budget_id: str, user_id: str, body: Any) -> dict[str, Any]:
    """PUT /v3/spend/budgets/{budgetId}/members/{userId}: add the user, or change its limits and role."""
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    user = require(ctx, USERS, user_id, "User")
    changes = _member_changes(body_object(body), _member(ctx, budget, user))
    member = _apply_member(ctx, budget, user, changes)
    refresh(ctx)
    return present(MEMBERS, ctx.store.get(MEMBERS, member["id"]).body)


def bulk_members(ctx: Context, budget_id: str, body: Any) -> dict[str, Any]:
    """PUT /v3/spend/budgets/{budgetId}/members/bulk {"members": [{userId, limit, recurringLimit, role, shareBudgetFunds}]}."""
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    entries = body_object(body).get("members")
    if not isinstance(entries, list) or not entries:
        raise invalid_body("members: must contain at least one member")
    planned = []
    for entry in entries:
        ref = entry.get("userId") if isinstance(entry, dict) else None
        if not isinstance(ref, str) or not ref:
            raise invalid_body("members.userId: must not be blank")
        user = require(ctx, USERS, ref, "User")
        planned.append((user, _member_changes(entry, _member(ctx, budget, user), bulk=True)))
    for user, changes in planned:
        _apply_member(ctx, budget, user, changes)
    refresh(ctx)
    return {"status": "SUCCESS"}


def delete_member(ctx: Context, budget_id: str, user_id: str) -> None:
    budget = require(ctx, BUDGETS, budget_id, "Budget")
    user = require(ctx, USERS, user_id, "User")
    member = _member(ctx, budget, user)
    if member is None:
        raise not_found("Budget member", user_id)
    ctx.store.delete(MEMBERS, member["id"])
    refresh(ctx)
