"""Bill approval policies (BILL's approval workflow): the rules that route a new bill to approvers, the
policies themselves, whose turn it is and what an approval or denial does. The bills stay in bills.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.backends.organizations import user_name
from bill_emulator.errors import invalid_body, not_found
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import body_object, reject_unknown

KIND = "bill_approval_policies"
POLICY_PREFIX = "bap"
APPROVAL_THRESHOLD = 5000.0  # the seeded policy routes bills of this amount or more to the administrator


# -- rules ------------------------------------------------------------------------------------------
RULE_KEYS = {
    "BILL_AMOUNT": None,
    "VENDOR_ID": "vendors",
    "CHART_OF_ACCOUNT_ID": "chart_of_accounts",
    "ACCOUNTING_CLASS_ID": "accounting_classes",
    "DEPARTMENT_ID": "departments",
    "JOB_ID": "jobs",
    "LOCATION_ID": "locations",
}
_RULE_FIELD = {
    "CHART_OF_ACCOUNT_ID": "chartOfAccountId",
    "ACCOUNTING_CLASS_ID": "accountingClassId",
    "DEPARTMENT_ID": "departmentId",
    "JOB_ID": "jobId",
    "LOCATION_ID": "locationId",
}
_COMPARE = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def rule_matches(rule: dict[str, Any], bill: dict[str, Any]) -> bool:
    """An amount rule compares; an id rule matches the bill's or any of its lines' classification."""
    values = [v["value"] for v in rule["values"]]
    if rule["key"] == "BILL_AMOUNT":
        return _COMPARE.get(rule["op"], _COMPARE["gte"])(bill["amount"], float(values[0]))
    if rule["key"] == "VENDOR_ID":
        return bill["vendorId"] in values
    field = _RULE_FIELD[rule["key"]]
    seen = {bill["classifications"].get(field)} | {
        line["classifications"].get(field) for line in bill["billLineItems"]
    }
    return bool(seen & set(values))


def _display_name(ctx: Context, key: str, value: str) -> str:
    if key == "BILL_AMOUNT":
        return f"${float(value):,.2f}"
    row = ctx.store.get(RULE_KEYS[key] or "", value)
    return str(row.body.get("name") or value) if row and row.scope == ctx.scope else value


def validate_policy(ctx: Context, body: Any) -> dict[str, Any]:
    """{policyName, rules, approvers}: the stored shape, with display names and approvers' full names."""
    body = body_object(body)
    reject_unknown(body, {"policyName", "rules", "approvers"})
    name = body.get("policyName")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise invalid_body("policyName: must be 1 to 100 characters")
    rules = body.get("rules")
    if not isinstance(rules, list) or not rules:
        raise invalid_body("rules: must contain at least one rule")
    built = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise invalid_body("rules: each rule must be an object")
        reject_unknown(rule, {"key", "op", "values"})
        key, op, values = rule.get("key"), rule.get("op"), rule.get("values")
        if not isinstance(key, str) or key not in RULE_KEYS:
            raise invalid_body(f"rules.key: must be one of {', '.join(RULE_KEYS)}")
        allowed_ops = ("eq", "gt", "gte", "lt", "lte") if key == "BILL_AMOUNT" else ("eq", "in")
        if op not in allowed_ops:
            raise invalid_body(f"rules.op: must be one of {', '.join(allowed_ops)} for {key}")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise invalid_body("rules.values: must be a non-empty list of strings")
        if key == "BILL_AMOUNT":
            try:
                float(values[0])
            except ValueError:
                raise invalid_body("rules.values: BILL_AMOUNT needs a number") from None
        built.append(
            {
                "key": key,
                "op": op,
                "values": [{"value": v, "displayName": _display_name(ctx, key, v)} for v in values],
            }
        )
    approvers = body.get("approvers")
    if not isinstance(approvers, list) or not approvers or not all(isinstance(a, str) for a in approvers):
        raise invalid_body("approvers: must be a non-empty list of user ids")
    users = []
    for user_id in dict.fromkeys(approvers):
        row = ctx.store.get("users", user_id)
        if row is None or row.scope != ctx.scope or row.body.get("archived"):
            raise invalid_body(f"approvers: user {user_id} is not an active user of this organization")
        users.append({"userId": user_id, "fullName": f"{row.body['firstName']} {row.body['lastName']}"})
    return {"policyName": name, "rules": built, "approvers": {"users": users, "groups": []}}


# -- policies ---------------------------------------------------------------------------------------
def _policy(ctx: Context, policy_id: str) -> dict[str, Any]:
    row = ctx.store.get(KIND, policy_id)
    if row is None or row.scope != ctx.scope:
        raise not_found("Bill approval policy", policy_id)
    return row.body


def _public_policy(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in policy.items() if k not in ("createdTime", "updatedTime")}


def list_policies(ctx: Context) -> list[dict[str, Any]]:
    return [_public_policy(r.body) for r in ctx.store.find(KIND, ctx.scope)]


def create_policy(ctx: Context, body: Any) -> dict[str, Any]:
    now = ctx.now()
    policy = {
        "id": ctx.ids.new(POLICY_PREFIX),
        **validate_policy(ctx, body),
        "status": "ACTIVE",
        "createdTime": now,
        "updatedTime": now,
    }
    ctx.store.insert(KIND, ctx.scope, policy)
    return _public_policy(policy)


def update_policy(ctx: Context, policy_id: str, body: Any) -> dict[str, Any]:
    policy = _policy(ctx, policy_id)
    policy.update(validate_policy(ctx, body))
    policy["updatedTime"] = ctx.now()
    ctx.store.replace(KIND, policy)
    return _public_policy(policy)


def delete_policy(ctx: Context, policy_id: str) -> None:
    policy = _policy(ctx, policy_id)
    ctx.store.delete(KIND, policy["id"])


# -- approvals --------------------------------------------------------------------------------------
def assign_approvers(ctx: Context, bill: dict[str, Any], _old: dict[str, Any] | None) -> None:
    """Active approval policies whose rules all match route a new bill to their approvers, in order."""
    approvers: list[str] = []
    for row in ctx.store.find(KIND, ctx.scope):
        policy = row.body
        if policy["status"] == "ACTIVE" and all(rule_matches(rule, bill) for rule in policy["rules"]):
            approvers += [u["userId"] for u in policy["approvers"]["users"] if u["userId"] not in approvers]
    if approvers:
        bill["approvalStatus"] = "ASSIGNED"
        bill["approvers"] = [
            {
                "userId": user,
                "status": "WAITING",
                "approverOrder": order,
                "statusChangedTime": bill["createdTime"],
            }
            for order, user in enumerate(approvers, start=1)
        ]


def next_approver(bill: dict[str, Any]) -> dict[str, Any] | None:
    """The approver a bill waits for, in approverOrder; None when it waits for nobody."""
    waiting = [a for a in bill["approvers"] if a["status"] == "WAITING"]
    if bill["approvalStatus"] not in ("ASSIGNED", "APPROVING") or not waiting:
        return None
    return min(waiting, key=lambda a: a["approverOrder"])


def decide(bill: dict[str, Any], approver: dict[str, Any], action: str, now: str) -> None:
    """One approver approves or denies: a denial ends the approval, the last approval completes it."""
    approver["status"] = "APPROVED" if action == "APPROVE" else "DENIED"
    approver["statusChangedTime"] = now
    if action == "DENY":
        bill["approvalStatus"] = "DENIED"
    elif all(a["status"] == "APPROVED" for a in bill["approvers"]):
        bill["approvalStatus"] = "APPROVED"
    else:
        bill["approvalStatus"] = "APPROVING"


def pending_approvals(ctx: Context) -> dict[str, Any]:
    """Bills whose next approver is the signed-in user."""
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'bills' AND scope = ? AND archived = 0"
        " AND json_extract(body, '$.approvalStatus') IN ('ASSIGNED', 'APPROVING') ORDER BY created_time, id",
        (ctx.scope,),
    )
    pending = []
    for (raw,) in rows:
        bill = orjson.loads(raw)
        approver = next_approver(bill)
        if approver and approver["userId"] == ctx.user_id:
            pending.append(
                {
                    "billId": bill["id"],
                    "vendorId": bill["vendorId"],
                    "amount": bill["amount"],
                    "dueDate": bill["dueDate"],
                }
            )
    return {"bills": pending}


def approvable(bill: dict[str, Any]) -> bool:
    """Only approved bills (or bills no policy routed) can be paid online."""
    return bill["approvalStatus"] in ("UNASSIGNED", "APPROVED", "UNDEFINED")


# -- seed -------------------------------------------------------------------------------------------
def seed_policy(ctx: Context, plan: SeedPlan, admin: str | None) -> dict[str, Any]:
    """The seeded organization's one policy: bills of APPROVAL_THRESHOLD or more go to its administrator."""
    created = format_timestamp(plan.start + timedelta(days=30))
    name = user_name(ctx, admin)
    policy = {
        "id": ctx.ids.new(POLICY_PREFIX),
        "policyName": f"Bills of ${APPROVAL_THRESHOLD:,.0f} or more",
        "status": "ACTIVE",
        "rules": [
            {
                "key": "BILL_AMOUNT",
                "op": "gte",
                "values": [
                    {"value": f"{APPROVAL_THRESHOLD:.0f}", "displayName": f"${APPROVAL_THRESHOLD:,.2f}"}
                ],
            }
        ],
        "approvers": {"users": [{"userId": admin, "fullName": name}], "groups": []},
        "createdTime": created,
        "updatedTime": created,
    }
    ctx.store.insert(KIND, ctx.scope, policy)
    return policy


def seed_approval(plan: SeedPlan, bill: dict[str, Any], admin: str | None, created_at: Any) -> None:
    """A seeded bill the policy routed: waiting when recent, else decided (mostly approved) within days."""
    f = plan.ctx.fake
    age = plan.end - created_at
    if age < timedelta(days=10):
        status, decided = "WAITING", bill["createdTime"]
    else:
        status = "DENIED" if f.chance(0.04) else "APPROVED"
        decided = format_timestamp(f.moment_between(created_at, created_at + timedelta(days=3)))
        bill["updatedTime"] = decided
    bill["approvers"] = [
        {"userId": admin, "status": status, "approverOrder": 1, "statusChangedTime": decided}
    ]
    bill["approvalStatus"] = {"WAITING": "ASSIGNED", "APPROVED": "APPROVED", "DENIED": "DENIED"}[status]
