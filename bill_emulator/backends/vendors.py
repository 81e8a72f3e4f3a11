"""Vendors: the people and businesses an organization pays (BILL's AP workflow). Also each vendor's one
bank account, its international-payment configuration and its audit trail."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.backends.mfa import require_trusted
from bill_emulator.backends.organizations import user_name
from bill_emulator.errors import invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.resources import EQ_NE, NAME, SETS, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan, fast_ids
from bill_emulator.validation import (
    blank_address,
    body_object,
    json_object,
    reject_unknown,
    require_fields,
    text,
)

PREFIX = "009"
AUDIT_PREFIX = "0at"  # internal key of an audit-trail record (never shown)
MAX_BULK = 20
ACCOUNT_TYPES = ("BUSINESS", "PERSON", "NONE")
# USD per unit of a vendor's bill currency (the emulator's fixed BILL FX table).
USD_PER_UNIT = {"USD": 1.0, "CAD": 0.7315, "EUR": 1.0842, "GBP": 1.2703, "MXN": 0.0584, "AUD": 0.6588}
COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "DE": "Germany",
    "FR": "France",
    "GB": "United Kingdom",
    "MX": "Mexico",
    "IN": "India",
    "AU": "Australia",
    "DK": "Denmark",
    "ES": "Spain",
    "NL": "Netherlands",
}
_FOREIGN_ADDRESS = {
    "CAD": ("CA", "Toronto", "ON", "M5V 2T6"),
    "EUR": ("DE", "Berlin", "BE", "10115"),
    "GBP": ("GB", "London", "", "EC1A 1BB"),
    "MXN": ("MX", "Monterrey", "NL", "64000"),
    "AUD": ("AU", "Sydney", "NSW", "2000"),
}
_IBAN_COUNTRIES = frozenset({"DE", "FR", "GB", "DK", "ES", "NL"})


# -- vendor objects -----------------------------------------------------------------------------
def _virtual_card() -> dict[str, Any]:
    return {
        "status": "UNDEFINED",
        "remitEmail": "",
        "enrollDate": None,
        "declineDate": None,
        "alternatePayByType": "UNDEFINED",
    }


def build_vendor(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A complete vendor: every field BILL returns, defaults where the caller gave none."""
    name = data.get("name") or ""
    created = data["createdTime"]
    obj: dict[str, Any] = {
        "id": data["id"],
        "archived": bool(data.get("archived", False)),
        "name": name,
        "shortName": "",
        "accountNumber": "",
        "accountType": "BUSINESS",
        "email": "",
        "phone": "",
        "address": blank_address(),
        "paymentInformation": {
            "payeeName": name,
            "email": "",
            "lastPaymentDate": None,
            "payByType": "CHECK",
            "payBySubType": "NONE",
            "virtualCard": _virtual_card(),
            "bankAccount": None,
            "paymentPurpose": None,
        },
        "additionalInfo": {
            "taxId": "",
            "taxIdType": "UNDEFINED",
            "track1099": False,
            "leadTimeInDays": 0,
            "combinePayments": True,
            "paymentTermId": None,
            "companyName": "",
        },
        "rppsId": None,
        "bankAccountStatus": "NO_ACCOUNT",
        "recurringPayments": False,
        "billCurrency": "USD",
        "createdTime": created,
        "updatedTime": data["updatedTime"],
        "balance": {"amount": 0.0, "lastUpdatedDate": created},
        "autoPay": {
            "enabled": False,
            "bankAccountId": None,
            "createdBy": None,
            "maxAmount": 0.0,
            "daysBeforeDueDate": 0,
        },
        "networkStatus": "NOT_CONNECTED",
    }
    merged = generic.deep_merge(obj, {k: v for k, v in data.items() if k in obj and v is not None})
    if not merged["paymentInformation"].get("email"):
        merged["paymentInformation"]["email"] = merged["email"]
    derive_vendor(ctx, merged)
    return merged


def derive_vendor(ctx: Context, obj: dict[str, Any]) -> None:
    """Country name, and how BILL pays the vendor, follow from the address and the bank account."""
    address = obj["address"]
    address["countryName"] = COUNTRIES.get(address.get("country") or "", address.get("countryName") or "")
    info = obj["paymentInformation"]
    bank = info.get("bankAccount")
    if obj["networkStatus"] == "CONNECTED_RPPS":
        info["payByType"], info["payBySubType"] = "RPPS", "NONE"
    elif bank and obj["billCurrency"] != "USD":
        info["payByType"] = "INTERNATIONAL_E_PAYMENT"
        info["payBySubType"] = "LOCAL" if address.get("country") in _IBAN_COUNTRIES else "WIRE"
    elif bank:
        info["payByType"], info["payBySubType"] = "ACH", "NONE"
    elif obj["networkStatus"] == "CONNECTED":
        info["payByType"], info["payBySubType"] = "WALLET", "NONE"
    else:
        info["payByType"], info["payBySubType"] = "CHECK", "NONE"
    if not bank:
        obj["bankAccountStatus"] = "NO_ACCOUNT"
    elif obj["bankAccountStatus"] in ("NO_ACCOUNT", "UNDEFINED"):
        obj["bankAccountStatus"] = "NO_NET_LINKED_ACCOUNT"


def build_bank_account(data: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "nameOnAccount": data["nameOnAccount"],
        "accountNumber": str(data["accountNumber"]),
        "routingNumber": str(data.get("routingNumber") or ""),
        "type": data.get("type") or "CHECKING",
        "ownerType": data.get("ownerType") or "BUSINESS",
        "paymentCurrency": data.get("paymentCurrency") or currency,
    }


def validate_bank_account(body: Any) -> dict[str, Any]:
    json_object(body, "bankAccount")
    reject_unknown(
        body, {"nameOnAccount", "accountNumber", "routingNumber", "type", "ownerType", "paymentCurrency"}
    )
    require_fields(body, ("nameOnAccount", "accountNumber"))
    number = str(body["accountNumber"])
    iban = bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", number))
    routing = str(body.get("routingNumber") or "")
    if not iban and not re.fullmatch(r"\d{9}", routing):
        raise invalid_body("routingNumber: must be 9 digits (leave it empty only for an IBAN accountNumber)")
    if not iban and not re.fullmatch(r"\d{4,17}", number):
        raise invalid_body("accountNumber: must be 4 to 17 digits or an IBAN")
    if body.get("type", "CHECKING") not in ("CHECKING", "SAVINGS"):
        raise invalid_body("type: must be CHECKING or SAVINGS")
    if body.get("ownerType", "BUSINESS") not in ("BUSINESS", "PERSONAL"):
        raise invalid_body("ownerType: must be BUSINESS or PERSONAL")
    currency = body.get("paymentCurrency")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", str(currency)):
        raise invalid_body("paymentCurrency: must be a 3-letter ISO 4217 code")
    return body


_WRITABLE = frozenset(
    {
        "name",
        "shortName",
        "accountNumber",
        "accountType",
        "email",
        "phone",
        "address",
        "paymentInformation",
        "additionalInfo",
        "billCurrency",
        "autoPay",
        "regulatoryFields",
    }
)


def validate_vendor(ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """Check a create (existing is None) or PATCH body; return the fields to store."""
    reject_unknown(body, _WRITABLE | {"id"})
    if existing is None and not (isinstance(body.get("name"), str) and body["name"].strip()):
        raise invalid_body("name: must not be blank")
    for key, limit in (("name", 100), ("shortName", 100), ("accountNumber", 100), ("phone", 20)):
        if body.get(key) is not None:
            text(body, key, limit)
    email = body.get("email")
    if email and (not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise invalid_body("email: must be a well-formed email address")
    if "accountType" in body and body["accountType"] not in ACCOUNT_TYPES:
        raise invalid_body("accountType: must be one of BUSINESS, PERSON, NONE")
    if "billCurrency" in body and not re.fullmatch(r"[A-Z]{3}", str(body["billCurrency"])):
        raise invalid_body("billCurrency: must be a 3-letter ISO 4217 code")
    for key in ("address", "paymentInformation", "additionalInfo", "autoPay"):
        if key in body:
            json_object(body[key], key)
    fields = {k: v for k, v in body.items() if k not in ("id", "regulatoryFields")}
    address = body.get("address") or {}
    if address.get("country") and not re.fullmatch(r"[A-Z]{2}", str(address["country"])):
        raise invalid_body("address.country: must be a 2-letter ISO 3166 code")
    info = dict(body.get("paymentInformation") or {})
    reject_unknown(info, {"payeeName", "email", "bankAccount", "paymentPurpose", "bankCountry"})
    info.pop("bankCountry", None)
    if "bankAccount" in info:
        if existing is not None:
            raise invalid_body(
                "paymentInformation.bankAccount: use POST /v3/vendors/{vendorId}/bank-account "
                "to add or change a vendor bank account"
            )
        currency = str(body.get("billCurrency") or "USD")
        info["bankAccount"] = build_bank_account(validate_bank_account(info["bankAccount"]), currency)
    if "paymentInformation" in body:
        fields["paymentInformation"] = info
    extra = body.get("additionalInfo") or {}
    if extra.get("taxIdType") not in (None, "EIN", "SSN"):
        raise invalid_body("additionalInfo.taxIdType: must be EIN or SSN")
    if extra.get("taxId") and "taxIdType" not in extra:
        fields["additionalInfo"] = {**extra, "taxIdType": "EIN"}
    auto = body.get("autoPay")
    if auto is not None:
        reject_unknown(auto, {"enabled", "bankAccountId", "maxAmount", "daysBeforeDueDate"})
        if auto.get("enabled"):
            require_trusted(ctx)
            if not auto.get("bankAccountId"):
                raise invalid_body("autoPay.bankAccountId: must not be blank when autopay is enabled")
            fields["autoPay"] = {**auto, "createdBy": ctx.user_id}
    return fields


VENDORS = register(
    Resource(
        "vendors",
        "Vendor",
        PREFIX,
        build_vendor,
        derive=derive_vendor,
        filters=base_filters(
            name=Field("string", NAME),
            accountType=Field("string", SETS),
            billCurrency=Field("string", SETS),
            **{"address.country": Field("string", EQ_NE)},
        ),
        sorts=frozenset(
            {
                "archived",
                "name",
                "shortName",
                "email",
                "phone",
                "billCurrency",
                "createdTime",
                "updatedTime",
            }
        ),
    )
)


def get_vendor(ctx: Context, vendor_id: str) -> dict[str, Any]:
    return generic.get(ctx, VENDORS, vendor_id)


# -- audit trail -------------------------------------------------------------------------------
def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        flat: dict[str, Any] = {}
        for key, value in obj.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: obj}


_NOT_AUDITED = frozenset({"id", "createdTime", "updatedTime", "balance.amount", "balance.lastUpdatedDate"})
# A create records the vendor's identifying fields; an update records every field it changed.
_AUDITED_ON_CREATE = ("name", "email", "billCurrency", "paymentInformation.bankAccount.accountNumber")


def audit_entries(
    ctx: Context,
    vendor_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    stamp: str,
    source: str = "API",
    user: tuple[str | None, str] | None = None,
    new_id: Any = None,
) -> list[dict[str, Any]]:
    """One audit record per changed field (a create records the fields it set)."""
    user_id, name = user or (ctx.user_id, user_name(ctx, ctx.user_id))
    if before is None:
        old, new = {}, {key: _at(after, key) for key in _AUDITED_ON_CREATE}
        changed = [key for key in _AUDITED_ON_CREATE if new[key]]
    else:
        old, new = _flatten(before), _flatten(after)
        keys = list(new) + [key for key in old if key not in new]
        changed = [key for key in keys if key not in _NOT_AUDITED and new.get(key) != old.get(key)]
    make = new_id or ctx.ids.new
    return [
        {
            "id": make(AUDIT_PREFIX),
            "_parent": vendor_id,
            "source": source,
            "type": "CREATE" if before is None else "UPDATE",
            "createdTime": stamp,
            "user": {"id": user_id, "name": name},
            "field": {
                "name": key,
                "value": {"previous": _text(old.get(key)), "current": _text(new.get(key))},
            },
        }
        for key in changed
    ]


def _at(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_audit(ctx: Context, vendor_id: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    entries = audit_entries(ctx, vendor_id, before, after, after["updatedTime"])
    if entries:
        ctx.store.insert_many("vendor_audit_trail", ctx.scope, entries)


def audit_trail(ctx: Context, vendor_id: str, query: Mapping[str, str]) -> list[dict[str, Any]]:
    """`?includeArchived&start&max`, newest first."""
    vendor = get_vendor(ctx, vendor_id)
    try:
        start = int(query.get("start") or 0)
        limit = int(query.get("max") or 20)
    except ValueError:
        raise invalid_parameter("start and max must be integers.") from None
    if not 0 <= start < 2**31 or not 1 <= limit <= 100:  # start is a 32-bit integer
        raise invalid_parameter("start must be 0 or more and max between 1 and 100.")
    include_archived = (query.get("includeArchived") or "").lower() == "true"
    if vendor["archived"] and not include_archived:
        return []
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'vendor_audit_trail' AND scope = ? AND parent_id = ?"
        " ORDER BY created_time DESC, id DESC LIMIT ? OFFSET ?",
        (ctx.scope, vendor["id"], limit, start),
    )
    records = []
    for (raw,) in rows:
        record = orjson.loads(raw)
        record.pop("id", None)
        records.append(record)
    return records


# -- writes ------------------------------------------------------------------------------------
def create_vendor(ctx: Context, body: Any) -> dict[str, Any]:
    fields = validate_vendor(ctx, body_object(body), None)
    now = ctx.now()
    vendor = build_vendor(ctx, {**fields, "id": ctx.ids.new(PREFIX), "createdTime": now, "updatedTime": now})
    ctx.store.insert("vendors", ctx.scope, vendor)
    record_audit(ctx, vendor["id"], None, vendor)
    return vendor


def update_vendor(ctx: Context, vendor_id: str, body: Any) -> dict[str, Any]:
    existing = get_vendor(ctx, vendor_id)
    fields = validate_vendor(ctx, body_object(body), existing)
    vendor = generic.deep_merge(existing, fields)
    generic.save(ctx, VENDORS, vendor)
    record_audit(ctx, vendor["id"], existing, vendor)
    if vendor["name"] != existing["name"]:
        rename_in_documents(ctx, vendor["id"], vendor["name"])
    return vendor


def rename_in_documents(ctx: Context, vendor_id: str, name: str) -> None:
    """Bills and payments show the vendor's current name (read-time lookup in BILL; updatedTime stays)."""
    ctx.store.execute(
        "UPDATE records SET body = json_set(body, '$.vendorName', ?) WHERE kind IN ('bills', 'payments')"
        " AND scope = ? AND json_extract(body, '$.vendorId') = ?",
        (name, ctx.scope, vendor_id),
    )


def set_archived(ctx: Context, vendor_id: str, archived: bool) -> dict[str, Any]:
    existing = get_vendor(ctx, vendor_id)
    if existing["archived"] == archived:
        return existing  # idempotent: no change, no new updatedTime
    vendor = generic.set_archived(ctx, VENDORS, existing["id"], archived)
    record_audit(ctx, vendor["id"], existing, vendor)
    return vendor


@dataclass(frozen=True)
class VendorFamily(generic.Collection):
    """Vendors as handlers.crud serves them: every write audited, archive and restore idempotent, bulk
    creates of up to MAX_BULK answered under "vendors"."""

    bulk_key: str | None = "vendors"
    max_bulk: int | None = MAX_BULK

    def create(self, ctx: Context, body: Any) -> dict[str, Any]:
        return create_vendor(ctx, body)

    def update(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]:
        return update_vendor(ctx, object_id, body)  # vendors take PATCH only

    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]:
        return set_archived(ctx, object_id, archived)


VENDOR_FAMILY = VendorFamily(VENDORS)


# -- the vendor's bank account -------------------------------------------------------------------
def get_bank_account(ctx: Context, vendor_id: str) -> dict[str, Any]:
    vendor = get_vendor(ctx, vendor_id)
    bank = vendor["paymentInformation"].get("bankAccount")
    if not bank:
        raise not_found("Vendor bank account", vendor["id"])
    return bank


def create_bank_account(ctx: Context, vendor_id: str, body: Any) -> dict[str, Any]:
    """One bank account per vendor: to change it, delete it and add the new one (BILL's rule)."""
    existing = get_vendor(ctx, vendor_id)
    if existing["archived"]:
        raise unprocessable("Vendor is archived. Restore the vendor before adding a bank account.")
    if existing["paymentInformation"].get("bankAccount"):
        raise unprocessable(
            "Vendor already has a bank account. Delete it with DELETE /v3/vendors/{vendorId}/bank-account first."
        )
    bank = build_bank_account(validate_bank_account(body), existing["billCurrency"])
    vendor = generic.deep_merge(existing, {"paymentInformation": {"bankAccount": bank}})
    generic.save(ctx, VENDORS, vendor)
    record_audit(ctx, vendor["id"], existing, vendor)
    return bank


def delete_bank_account(ctx: Context, vendor_id: str) -> None:
    existing = get_vendor(ctx, vendor_id)
    if not existing["paymentInformation"].get("bankAccount"):
        raise not_found("Vendor bank account", existing["id"])
    vendor = generic.deep_merge(existing, {})
    vendor["paymentInformation"]["bankAccount"] = None
    generic.save(ctx, VENDORS, vendor)
    record_audit(ctx, vendor["id"], existing, vendor)


def bank_account_added(ctx: Context, vendor_id: str) -> str | None:
    """When the vendor's current bank account was added (from the audit trail), for verification delays."""
    rows = ctx.store.execute(
        "SELECT created_time FROM records WHERE kind = 'vendor_audit_trail' AND scope = ? AND parent_id = ?"
        " AND json_extract(body, '$.field.name') = 'paymentInformation.bankAccount.accountNumber'"
        " ORDER BY created_time DESC LIMIT 1",
        (ctx.scope, vendor_id),
    )
    return rows[0][0] if rows else None


# -- international payments configuration ------------------------------------------------------
_PURPOSE_CODES = {
    "IN": [("Advertising", "P1007"), ("Software", "P0802"), ("Consulting", "P0807"), ("Freight", "P0205")],
    "MX": [("Goods", "GOODS"), ("Services", "SERVICES"), ("Rent", "RENT")],
    "CN": [("Goods trade", "121010"), ("Services trade", "222011")],
}
_ACCOUNT_RULES = {
    "CA": [("transitNumber", "Transit and institution number", r"^\d{8,9}$")],
    "GB": [("sortCode", "Bank sort code", r"^\d{6}$")],
    "MX": [("clabe", "CLABE interbank account number", r"^\d{18}$")],
    "IN": [("ifscCode", "Indian Financial System Code", r"^[A-Z]{4}0[A-Z0-9]{6}$")],
    "AU": [("bsbNumber", "Bank-State-Branch number", r"^\d{6}$")],
}


def international_config(country: str, currency: str, account_type: str) -> dict[str, Any]:
    """What BILL needs to pay a vendor in this country and currency (emulator's fixed rule table)."""
    if country == "US" and currency == "USD":
        return {
            "paymentPurpose": {"required": False, "type": "TEXT", "codes": []},
            "validations": {"fields": []},
        }
    codes = _PURPOSE_CODES.get(country)
    purpose = {
        "required": codes is not None or account_type == "PERSON",
        "type": "CODE" if codes else "TEXT",
        "codes": [{"name": name, "value": value} for name, value in codes or []],
    }
    fields = [
        {
            "name": "accountNumber",
            "description": "IBAN" if country in _IBAN_COUNTRIES else "Bank account number",
            "regularExpression": r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$"
            if country in _IBAN_COUNTRIES
            else r"^[A-Z0-9]{4,34}$",
            "required": True,
        },
        {
            "name": "swiftCode",
            "description": "SWIFT/BIC code of the vendor's bank",
            "regularExpression": r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$",
            "required": country not in _IBAN_COUNTRIES,
        },
    ]
    fields += [
        {"name": name, "description": text, "regularExpression": rx, "required": True}
        for name, text, rx in _ACCOUNT_RULES.get(country, [])
    ]
    if account_type == "PERSON":
        fields.append(
            {
                "name": "beneficiaryDateOfBirth",
                "description": "Date of birth of the individual being paid",
                "regularExpression": r"^\d{4}-\d{2}-\d{2}$",
                "required": True,
            }
        )
    return {"paymentPurpose": purpose, "validations": {"fields": fields}}


def international_payments(query: Mapping[str, str]) -> dict[str, Any]:
    """`?country&billCurrency&accountType`: what BILL needs to pay such a vendor."""
    country, currency, account_type = (
        query.get("country") or "",
        query.get("billCurrency") or "",
        query.get("accountType") or "",
    )
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise invalid_parameter("country is required: a 2-letter ISO 3166 country code.")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise invalid_parameter("billCurrency is required: a 3-letter ISO 4217 currency code.")
    if account_type not in ACCOUNT_TYPES:
        raise invalid_parameter("accountType is required: one of NONE, BUSINESS, PERSON.")
    return international_config(country, currency, account_type)


def vendor_configuration(ctx: Context, vendor_id: str) -> dict[str, Any]:
    vendor = get_vendor(ctx, vendor_id)
    country = vendor["address"].get("country") or "US"
    return {
        "internationalPayments": international_config(country, vendor["billCurrency"], vendor["accountType"])
    }


# -- seed ----------------------------------------------------------------------------------------
def seed(plan: SeedPlan) -> None:
    """Vendors (about a tenth of the invoice count), a third with bank accounts, a few foreign."""
    ctx, f = plan.ctx, plan.ctx.fake
    new_id = fast_ids(ctx, "vendors")
    admin = (ctx.user_id, user_name(ctx, ctx.user_id))
    vendors: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    created_at_of: dict[str, datetime] = {}
    for _ in range(plan.scaled(0.1, minimum=8)):
        created, updated, created_at = plan.created_and_updated()
        name = f.company()
        currency = "USD" if f.chance(0.9) else f.choice(("CAD", "EUR", "GBP", "MXN"))
        address = f.address()
        if currency != "USD":
            country, city, state, zip_code = _FOREIGN_ADDRESS[currency]
            address.update(country=country, city=city, stateOrProvince=state, zipOrPostalCode=zip_code)
        roll = f.rng.random()
        network = (
            "CONNECTED_RPPS"
            if roll < 0.04
            else "CONNECTED"
            if roll < 0.16
            else "PENDING"
            if roll < 0.18
            else "NOT_CONNECTED"
        )
        contact = f.first_name()
        email = f.email(contact, name)
        data: dict[str, Any] = {
            "id": new_id(PREFIX),
            "name": name,
            "shortName": name.split(" ")[0],
            "accountNumber": f"V-{_digits(f.rng, 6)}" if f.chance(0.6) else "",
            "accountType": "BUSINESS" if f.chance(0.9) else "PERSON",
            "email": email,
            "phone": f.phone(),
            "address": address,
            "billCurrency": currency,
            "networkStatus": network,
            "rppsId": f"RPPS{_digits(f.rng, 6)}" if network == "CONNECTED_RPPS" else None,
            "createdTime": created,
            "updatedTime": updated,
            "additionalInfo": {
                "taxId": _digits(f.rng, 9) if f.chance(0.5) else "",
                "taxIdType": "EIN" if f.chance(0.5) else "UNDEFINED",
                "track1099": f.chance(0.3),
                "leadTimeInDays": f.choice((0, 0, 2, 5)),
                "combinePayments": True,
                "paymentTermId": None,
                "companyName": name,
            },
        }
        if (network == "NOT_CONNECTED" and f.chance(0.4)) or (currency != "USD" and f.chance(0.7)):
            number = f"{address['country']}{_digits(f.rng, 20)}" if currency == "EUR" else _digits(f.rng, 10)
            data["paymentInformation"] = {
                "payeeName": name,
                "bankAccount": build_bank_account(
                    {
                        "nameOnAccount": name,
                        "accountNumber": number,
                        "routingNumber": "" if currency == "EUR" else f.choice(("011000015", "121000358")),
                    },
                    currency,
                ),
            }
        vendor = build_vendor(ctx, data)
        vendor["archived"] = f.chance(0.05)
        audit += audit_entries(ctx, vendor["id"], None, vendor, created, "WEB", admin, new_id)
        if vendor["archived"]:
            entry = audit_entries(ctx, vendor["id"], None, vendor, updated, "WEB", admin, new_id)[0]
            entry.update(
                type="UPDATE", field={"name": "archived", "value": {"previous": "false", "current": "true"}}
            )
            audit.append(entry)
        vendors.append(vendor)
        created_at_of[vendor["id"]] = created_at
    ctx.store.insert_many("vendors", ctx.scope, vendors)
    ctx.store.insert_many("vendor_audit_trail", ctx.scope, audit)
    plan.refs["vendors"] = [v["id"] for v in vendors]
    plan.extra["vendors"] = {v["id"]: v for v in vendors}
    plan.extra["vendor_created"] = created_at_of


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"
