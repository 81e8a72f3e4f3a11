"""S&E users: list, create, details, current user (the API token's owner), update and delete."""

from __future__ import annotations

import re
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    MEMBERS,
    ROLES,
    USERS,
    current_user,
    new_id,
    new_uuid,
    present,
    require,
    require_admin,
    save,
)
from bill_emulator.backends.spend.listing import ListSpec, list_reply
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.handlers import Call, Reply
from bill_emulator.resources import EQ, EQ_IN, Field, Resource, register
from bill_emulator.validation import body_object, optional_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def build_user(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data["id"],
        "uuid": data["uuid"],
        "firstName": data["firstName"],
        "lastName": data["lastName"],
        "email": data["email"],
        "receiptEmail": data.get("receiptEmail") or data["email"],
        "retired": bool(data.get("retired", False)),
        "useCompanyMailingAddress": bool(data.get("useCompanyMailingAddress", True)),
        "smsOptIn": bool(data.get("smsOptIn", False)),
        "hasDateOfBirth": bool(data.get("hasDateOfBirth", False)),
        "role": data.get("role", "MEMBER"),
        "createdTime": data["createdTime"],
        "updatedTime": data.get("updatedTime") or data["createdTime"],
    }


USERS_RESOURCE = register(
    Resource(
        USERS,
        "User",
        "",
        build_user,
        filters={
            "retired": Field("bool", EQ),
            "userIds": Field("string", EQ_IN, path="id"),
        },
        sorts=frozenset({"firstName", "lastName", "createdTime"}),
        single_sort=True,
        archive_flag="retired",
    )
)
SPEC = ListSpec(frozenset(USERS_RESOURCE.filters), refs={"userIds": USERS})


def full_name(user: dict[str, Any]) -> str:
    return f"{user['firstName']} {user['lastName']}"


def _check_email(ctx: Context, email: str, own_id: str | None = None) -> None:
    if not _EMAIL.match(email):
        raise invalid_body("email: must be a well-formed email address")
    for row in ctx.store.find(USERS, ctx.scope):
        if row.body["email"].lower() == email.lower() and row.id != own_id:
            raise unprocessable(f"A user with email {email} already exists.")


def _role(value: Any) -> str:
    if value not in ROLES:
        raise invalid_body(f"role: must be one of {', '.join(ROLES)}")
    return value


def list_users(call: Call) -> Reply:
    return list_reply(call, USERS_RESOURCE, SPEC)


def create_user(call: Call) -> Reply:
    """POST /v3/spend/users {firstName, lastName, email, role} (ADMIN only)."""
    ctx = call.ctx
    require_admin(ctx)
    body = body_object(call.body)
    first = str(optional_text(body, "firstName", required=True, limit=100))
    last = str(optional_text(body, "lastName", required=True, limit=100))
    email = str(optional_text(body, "email", required=True))
    role = _role(body.get("role"))
    _check_email(ctx, email)
    now = ctx.now()
    user = build_user(
        ctx,
        {
            "id": new_id(ctx, USERS),
            "uuid": new_uuid(ctx),
            "firstName": first,
            "lastName": last,
            "email": email,
            "role": role,
            "createdTime": now,
        },
    )
    ctx.store.insert(USERS, ctx.scope, user)
    return Reply(200, present(USERS, user))


def get_current_user(call: Call) -> Reply:
    return Reply(200, present(USERS, current_user(call.ctx)))


def get_user(call: Call) -> Reply:
    return Reply(200, present(USERS, require(call.ctx, USERS, call.path["userId"], "User")))


def update_user(call: Call) -> Reply:
    """PATCH /v3/spend/users/{userId}: firstName, lastName, email, role (ADMIN only)."""
    ctx = call.ctx
    require_admin(ctx)
    user = require(ctx, USERS, call.path["userId"], "User")
    body = body_object(call.body)
    for name in ("firstName", "lastName"):
        value = optional_text(body, name, limit=100)
        if value is not None:
            user[name] = value
    email = optional_text(body, "email")
    if email is not None:
        _check_email(ctx, email, user["id"])
        user["email"] = email
    if "role" in body:
        user["role"] = _role(body["role"])
    save(ctx, USERS, user)
    _rename_memberships(ctx, user)
    return Reply(200, present(USERS, user))


def delete_user(call: Call) -> Reply:
    """DELETE /v3/spend/users/{userId}: gone for good, with its budget memberships (ADMIN only)."""
    ctx = call.ctx
    admin = require_admin(ctx)
    user = require(ctx, USERS, call.path["userId"], "User")
    if user["id"] == admin["id"]:
        raise unprocessable("You cannot delete your own user.")
    for row in ctx.store.find(MEMBERS, ctx.scope):
        if row.body["userId"] == user["id"]:
            ctx.store.delete(MEMBERS, row.id)
    ctx.store.delete(USERS, user["id"])
    return Reply(200)


def _rename_memberships(ctx: Context, user: dict[str, Any]) -> None:
    for row in ctx.store.find(MEMBERS, ctx.scope):
        member = row.body
        if member["userId"] == user["id"] and member["name"] != full_name(user):
            member["name"] = full_name(user)
            ctx.store.replace(MEMBERS, member)
