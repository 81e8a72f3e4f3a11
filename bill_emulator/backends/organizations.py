"""Organizations, their users and roles (org-level and as partners see them)."""

from __future__ import annotations

from typing import Any

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError, invalid_body, not_found
from bill_emulator.resources import EQ_NE_IN, Field, Resource, base_filters, register
from bill_emulator.validation import body_object, require_fields

ROLE_TYPES = ("ADMINISTRATOR", "ACCOUNTANT", "CLERK", "PAYER", "APPROVER", "AUDITOR", "MEMBER")


def build_organization(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    f = ctx.fake
    name = data.get("name") or f.company()
    address = f.address()
    obj = {
        "id": data["id"],
        "archived": False,
        "name": name,
        "address": address,
        "mailingAddress": dict(address),
        "phone": f.phone(),
        "companyOwner": {"name": f"{f.first_name()} {f.last_name()}", "dateOfBirth": "1980-04-12"},
        "taxId": f.digits(9),
        "taxIdType": "EIN",
        "industry": "PROFESSIONAL_SERVICES",
        "businessCategory": "LLC",
        "accountType": "BUSINESS",
        "processingOptions": {
            "mailingAddressSameAsPhysical": True,
            "individualTransferOut": False,
            "individualTransferIn": False,
        },
        "partnerName": data.get("partnerName", ""),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    return generic.deep_merge(obj, {k: v for k, v in data.items() if k in obj})


def build_user(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    f = ctx.fake
    first, last = data.get("firstName") or f.first_name(), data.get("lastName") or f.last_name()
    role = data.get("role") or {
        "id": data.get("roleId") or "",
        "type": "ADMINISTRATOR",
        "description": "Administrator",
    }
    obj = {
        "id": data["id"],
        "archived": bool(data.get("archived", False)),
        "firstName": first,
        "lastName": last,
        "email": data.get("email") or f.email(first + last, "example"),
        "role": role,
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    return obj


def validate_user(ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in body.items()
        if k in {"firstName", "lastName", "email", "roleId", "acceptTermsOfService", "username"}
    }
    if existing is None:
        require_fields(body, ("firstName", "lastName", "email", "roleId"))
    if "roleId" in fields:
        role = ctx.store.get("roles", fields["roleId"])
        if role is None or role.scope != ctx.scope:
            raise invalid_body(f"roleId: role {fields['roleId']} does not exist.")
        fields["role"] = {"id": role.id, "type": role.body["type"], "description": role.body["description"]}
    fields.pop("roleId", None)
    fields.pop("acceptTermsOfService", None)
    fields.pop("username", None)
    return fields


def build_role(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    role_type = data.get("type", "MEMBER")
    return {
        "id": data["id"],
        "type": role_type,
        "description": data.get("description") or role_type.title(),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }


ORGANIZATIONS = register(
    Resource(
        "organizations",
        "Organization",
        "008",
        build_organization,
        filters=base_filters(name=Field("string", frozenset({"eq", "sw"}))),
        sorts=frozenset({"name", "createdTime", "updatedTime"}),
    )
)
USERS = register(
    Resource(
        "users",
        "User",
        "006",
        build_user,
        validate=validate_user,
        filters=base_filters(email=Field("string", EQ_NE_IN), **{"role.type": Field("string", EQ_NE_IN)}),
        sorts=frozenset({"archived", "firstName", "lastName", "createdTime", "updatedTime"}),
    )
)
ROLES = register(
    Resource(
        "roles",
        "Role",
        "0po",
        build_role,
        filters={k: v for k, v in base_filters(type=Field("string", EQ_NE_IN)).items() if k != "archived"},
        sorts=frozenset({"description", "createdTime", "updatedTime"}),
    )
)


def signed_in_organization(ctx: Context, org_id: str) -> dict[str, Any]:
    """An organization route names only the signed-in organization (403 BDC_1145 for any other)."""
    if org_id != ctx.scope:
        raise BillApiError("BDC_1145")
    row = ctx.store.get("organizations", org_id)
    if row is None:
        raise not_found("Organization", org_id)
    return row.body


def update_organization(ctx: Context, org_id: str, body: Any) -> dict[str, Any]:
    if org_id != ctx.scope:
        raise BillApiError("BDC_1145")
    row = ctx.store.get("organizations", org_id)
    body = body_object(body if row is not None else None)  # a missing organization reads as a bad body
    changes = {k: v for k, v in body.items() if k not in generic.READ_ONLY}
    obj = generic.deep_merge(row.body, changes)
    generic.touch(ctx, obj)
    ctx.store.replace("organizations", obj)
    return obj


def user_name(ctx: Context, user_id: str | None) -> str:
    """A user's full name ("" for no user)."""
    row = ctx.store.get("users", user_id) if user_id else None
    return f"{row.body['firstName']} {row.body['lastName']}" if row else ""


def seed_roles(ctx: Context, created: str) -> dict[str, str]:
    """Every organization has the standard roles; returns role type -> id."""
    ids = {}
    for role_type in ROLE_TYPES:
        role = build_role(
            ctx, {"id": ctx.ids.new("0po"), "type": role_type, "createdTime": created, "updatedTime": created}
        )
        ctx.store.insert("roles", ctx.scope, role)
        ids[role_type] = role["id"]
    return ids
