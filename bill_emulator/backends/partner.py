"""Partner operations: the partner's organizations, their price plans, and (acting on one organization
through the `organizationId` header) its users, roles and risk-verification phones.

Partner login and login-as-user live in auth.py. A user created here gets a `user` credential (its
username, with a secret nobody knows), so it can be signed in to with login-as-user only.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from bill_emulator.backends import generic, mfa
from bill_emulator.backends.context import Context
from bill_emulator.backends.organizations import ORGANIZATIONS, USERS, build_organization, seed_roles
from bill_emulator.errors import BillApiError, invalid_body
from bill_emulator.validation import body_object, flag, json_object, reject_unknown, require_fields

PRICE_PLANS = tuple(f"PricePlan{n}" for n in range(1, 6))
USERNAME_MAX = 40
# BILL's docs say "alphanumeric", yet BILL's own example username is "tsoupsm!th1": ASCII letters, digits
# and punctuation pass; spaces, non-ASCII and "@" (an email) do not.
_USERNAME = re.compile(r"^[!-~]+$")
_ADDRESS_KEYS = ("line1", "line2", "city", "stateOrProvince", "zipOrPostalCode", "country", "countryName")
_ORG_WRITABLE = {
    "name",
    "address",
    "mailingAddress",
    "phone",
    "companyOwner",
    "taxId",
    "taxIdType",
    "industry",
    "businessCategory",
    "accountType",
    "processingOptions",
}
_COUNTRY_NAMES = {"US": "United States", "CA": "Canada"}
# Records the partner writes that no GET in this family reads back (documented for other families).
PRICE_PLAN_KIND = "partner_price_plans"  # scope = partner id, id = organization id


def _address(value: Any, name: str) -> dict[str, str]:
    json_object(value, name)
    address = {key: str(value.get(key) or "") for key in _ADDRESS_KEYS}
    if address["country"] and not address["countryName"]:
        address["countryName"] = _COUNTRY_NAMES.get(address["country"], address["country"])
    return address


def _organization_fields(body: Any) -> dict[str, Any]:
    body = body_object(body)
    reject_unknown(body, _ORG_WRITABLE)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid_body("name: must not be blank")
    options = body.get("processingOptions") or {}
    json_object(options, "processingOptions")
    same = flag(options.get("mailingAddressSameAsPhysical", True), "mailingAddressSameAsPhysical")
    address = _address(body.get("address") or {}, "address")
    mailing = address if same else _address(body.get("mailingAddress") or {}, "mailingAddress")
    owner = body.get("companyOwner") or {}
    json_object(owner, "companyOwner")
    return {
        "name": name.strip(),
        "address": address,
        "mailingAddress": dict(mailing),
        "phone": str(body.get("phone") or ""),
        "companyOwner": {"name": str(owner.get("name") or ""), "dateOfBirth": owner.get("dateOfBirth")},
        "taxId": str(body.get("taxId") or ""),
        "taxIdType": str(body.get("taxIdType") or "UNDEFINED"),
        "industry": str(body.get("industry") or ""),
        "businessCategory": str(body.get("businessCategory") or "UNDEFINED"),
        "accountType": str(body.get("accountType") or "BUSINESS"),
        "processingOptions": {
            "mailingAddressSameAsPhysical": same,
            "individualTransferOut": flag(
                options.get("individualTransferOut", False), "individualTransferOut"
            ),
            "individualTransferIn": flag(options.get("individualTransferIn", False), "individualTransferIn"),
        },
    }


def create_organization(ctx: Context, body: Any) -> dict[str, Any]:
    """A new organization managed by the partner, with the standard roles."""
    fields = _organization_fields(body)
    now = ctx.now()
    org_id = ctx.ids.new(ORGANIZATIONS.prefix)
    partner_name = ""
    existing = ctx.store.find("organizations", ctx.scope)
    if existing:
        partner_name = existing[0].body.get("partnerName", "")
    org = build_organization(
        ctx, {"id": org_id, "createdTime": now, "updatedTime": now, "partnerName": partner_name}
    )
    org.update(fields)
    ctx.store.insert("organizations", ctx.scope, org)
    seed_roles(ctx.with_scope(org_id), now)
    return org


def _partner_organization(ctx: Context, org_id: str) -> dict[str, Any]:
    row = ctx.store.get("organizations", org_id)
    if row is None:
        raise BillApiError("BDC_1118", f"Organization not found: {org_id}")
    if row.scope != ctx.scope:
        raise BillApiError("BDC_1145", "Organization is not managed by this partner.")
    return row.body


def update_price_plan(ctx: Context, org_id: str, body: Any) -> None:
    """{"pricePlanType": "PricePlan1".."PricePlan5"} for an organization the partner manages."""
    org = _partner_organization(ctx, org_id)
    body = body if isinstance(body, dict) else None
    plan = body.get("pricePlanType") if body else None
    if plan not in PRICE_PLANS:
        raise invalid_body(f"pricePlanType: must be one of {', '.join(PRICE_PLANS)}")
    now = ctx.now()
    record = {"id": org["id"], "pricePlanType": plan, "createdTime": now, "updatedTime": now}
    current = ctx.store.get(PRICE_PLAN_KIND, org["id"])
    if current is None:
        ctx.store.insert(PRICE_PLAN_KIND, ctx.scope, record)
    else:
        record["createdTime"] = current.body["createdTime"]
        ctx.store.replace(PRICE_PLAN_KIND, record)


def add_risk_phone(ctx: Context, user_id: str, body: Any) -> None:
    """{phoneNumber, phoneType: "MOBILE"} for a user of the organization the partner acts on; the phone
    lands where org-level risk verification (mfa.py) looks for it."""
    user = generic.get(ctx, USERS, user_id)
    mfa.add_risk_phone(ctx, user["id"], body)


def _username(ctx: Context, body: dict[str, Any]) -> str:
    """`username`: unique (case-insensitive), at most 40 characters, no spaces, never an email."""
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise invalid_body("username: must not be blank")
    if "@" in username:
        raise invalid_body("username: must not be an email address")
    if len(username) > USERNAME_MAX or not _USERNAME.match(username):
        raise invalid_body(f"username: must be at most {USERNAME_MAX} letters, digits or symbols")
    if ctx.store.credentials("partner_username", username.lower()):
        raise BillApiError("BDC_1119", f"username {username} is already in use.")
    return username.lower()


def create_user(ctx: Context, body: Any) -> dict[str, Any]:
    """A user of the organization named in the organizationId header."""
    body = body_object(body)
    require_fields(body, ("firstName", "lastName", "email", "roleId"))
    username = _username(ctx, body)
    if body.get("acceptTermsOfService") is not True:
        raise invalid_body("acceptTermsOfService: must be true")
    user = generic.create(ctx, USERS, body)
    ctx.store.add_credential("partner_username", username, "", scope=ctx.scope, user_id=user["id"])
    ctx.store.add_credential("user", username, secrets.token_urlsafe(24), scope=ctx.scope, user_id=user["id"])
    return user


def update_user(ctx: Context, user_id: str, body: Any) -> dict[str, Any]:
    """firstName, lastName, email, roleId."""
    if isinstance(body, dict) and ("username" in body or "acceptTermsOfService" in body):
        raise invalid_body("username and acceptTermsOfService cannot be changed.")
    if not isinstance(body, dict) or not body:
        raise invalid_body("Request body must be a non-empty JSON object.")
    return generic.update(ctx, USERS, user_id, body)
