"""S&E users: list, create, details, current user (the API token's owner), update and delete."""

from __future__ import annotations

import re
from collections.abc import Mapping
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
from bill_emulator.backends.spend.listing import ListSpec, shaped_page, spend_resource
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.query import Page
from bill_emulator.resources import EQ, EQ_IN, Field
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


USERS_RESOURCE = spend_resource(
    USERS,
    "User",
    build_user,
    filters={
        "retired": Field("bool", EQ),
        "userIds": Field("string", EQ_IN, path="id"),
    },
    sorts=frozenset({"firstName", "lastName", "createdTime"}),
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


def user_page(ctx: Context, query: Mapping[str, str]) -> Page:
    return shaped_page(ctx, USERS_RESOURCE, SPEC, query)


def create_user(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/spend/users {firstName, lastName, email, role} (ADMIN only)."""
    require_admin(ctx)
    body = body_object(body)
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
    return present(USERS, user)


def get_current_user(ctx: Context) -> dict[str, Any]:
    return present(USERS, current_user(ctx))


def get_user(ctx: Context, user_id: str) -> dict[str, Any]:
    return present(USERS, require(ctx, USERS, user_id, "User"))


def update_user(ctx: Context, user_id: str, body: Any) -> dict[str, Any]:
    """PATCH /v3/spend/users/{userId}: firstName, lastName, email, role (ADMIN only)."""
    require_admin(ctx)
    user = require(ctx, USERS, user_id, "User")
    body = body_object(body)
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
    return present(USERS, user)


def delete_user(ctx: Context, user_id: str) -> None:
    """DELETE /v3/spend/users/{userId}: gone for good, with its budget memberships (ADMIN only)."""
    admin = require_admin(ctx)
    user = require(ctx, USERS, user_id, "User")
    if user["id"] == admin["id"]:
        raise unprocessable("You cannot delete your own user.")
    for row in ctx.store.find(MEMBERS, ctx.scope):
        if row.body["userId"] == user["id"]:
            ctx.store.delete(MEMBERS, row.id)
    ctx.store.delete(USERS, user["id"])


def _rename_memberships(ctx: Context, user: dict[str, Any]) -> None:
    for row in ctx.store.find(MEMBERS, ctx.scope):
        member = row.body
        if member["userId"] == user["id"] and member["name"] != full_name(user):
            member["name"] = full_name(user)
            ctx.store.replace(MEMBERS, member)
