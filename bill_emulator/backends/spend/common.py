"""Shared S&E plumbing: node ids and UUIDs, id-or-UUID lookups, value checks and the public shape."""

from __future__ import annotations

import base64
import uuid as uuidlib
import zlib
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError, not_found
from bill_emulator.store import Row

USERS = "spend_users"
BUDGETS = "spend_budgets"
MEMBERS = "spend_budget_members"
CARDS = "spend_cards"
DELETED_CARDS = "spend_cards_deleted"
TRANSACTIONS = "spend_transactions"
AUTHORIZATIONS = "spend_transaction_auths"  # child AUTHORIZATIONs of cleared purchases (never listed)
REIMBURSEMENTS = "spend_reimbursements"
CUSTOM_FIELDS = "spend_custom_fields"
CUSTOM_FIELD_VALUES = "spend_custom_field_values"
CHALLENGES = "spend_3ds_challenges"

# Node type behind each kind's `id` (S&E ids are base64 of "Type:number").
NODE_TYPES = {
    USERS: "User",
    BUDGETS: "Budget",
    CARDS: "Card",
    TRANSACTIONS: "Transaction",
    REIMBURSEMENTS: "Reimbursement",
    CUSTOM_FIELDS: "TagType",
    CUSTOM_FIELD_VALUES: "TagValue",
}

# Fields kept in storage (for ordering, incremental-sync columns and bookkeeping) that BILL's shape of
# the object does not have; keys starting with "_" are always internal.
HIDDEN: dict[str, frozenset[str]] = {
    USERS: frozenset({"updatedTime"}),
    BUDGETS: frozenset({"createdTime", "updatedTime"}),
    MEMBERS: frozenset({"id", "createdTime", "updatedTime"}),
    TRANSACTIONS: frozenset({"createdTime"}),
    AUTHORIZATIONS: frozenset({"createdTime"}),
    REIMBURSEMENTS: frozenset({"createdTime", "updatedTime"}),
    CUSTOM_FIELDS: frozenset({"updatedTime"}),
    CUSTOM_FIELD_VALUES: frozenset({"createdTime", "updatedTime"}),
}

ROLES = ("ADMIN", "FINANCE_ADMIN", "AUDITOR", "BOOKKEEPER", "MEMBER", "NO_ACCESS")


def node_id(type_name: str, number: int) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


def allocate(ctx: Context, type_name: str, count: int = 1) -> list[str]:
    """The next `count` node ids of a type in this company (numbers grow from a per-type base)."""
    key = f"spend_seq:{ctx.scope}:{type_name}"
    current = ctx.store.meta(key)
    start = int(current) if current else 100_000 + zlib.crc32(type_name.encode()) % 800_000
    ctx.store.set_meta(key, str(start + count))
    return [node_id(type_name, start + n) for n in range(count)]


def new_id(ctx: Context, kind: str) -> str:
    return allocate(ctx, NODE_TYPES[kind])[0]


def new_uuid(ctx: Context) -> str:
    """A version-4 UUID, deterministic for a given seed."""
    return str(uuidlib.UUID(int=ctx.fake.rng.getrandbits(128), version=4))


def find(ctx: Context, kind: str, ref: str) -> Row | None:
    """An object of this company by its id or its uuid (a ref that is not a string names none)."""
    if not isinstance(ref, str):
        return None
    row = ctx.store.get(kind, ref)
    if row is not None:
        return row if row.scope == ctx.scope else None
    rows = ctx.store.execute(
        "SELECT id FROM records WHERE kind = ? AND scope = ? AND json_extract(body, '$.uuid') = ? LIMIT 1",
        (kind, ctx.scope, ref),
    )
    return ctx.store.get(kind, rows[0][0]) if rows else None


def require(ctx: Context, kind: str, ref: str, label: str) -> dict[str, Any]:
    row = find(ctx, kind, ref)
    if row is None:
        raise not_found(label, ref)
    return row.body


def present(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    hidden = HIDDEN.get(kind, frozenset())
    return {k: v for k, v in body.items() if k not in hidden and not k.startswith("_")}


def save(ctx: Context, kind: str, body: dict[str, Any], touch: bool = True) -> dict[str, Any]:
    """Store a changed object; a write moves updatedTime strictly forward unless `touch` is off."""
    if touch:
        now = ctx.now()
        body["updatedTime"] = max(now, body.get("updatedTime") or now)
    ctx.store.replace(kind, body)
    return body


def current_user(ctx: Context) -> dict[str, Any]:
    """The user who owns the API token."""
    row = ctx.store.get(USERS, ctx.user_id or "")
    if row is None or row.scope != ctx.scope:
        raise BillApiError("BDC_1147")
    return row.body


def require_admin(ctx: Context) -> dict[str, Any]:
    user = current_user(ctx)
    if user["role"] != "ADMIN":
        raise BillApiError("BDC_1145", "This operation requires the ADMIN user role.")
    return user
