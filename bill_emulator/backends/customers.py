"""Customers, their bank accounts and charge authorization (BILL's AR workflow, chapters 2, 3 and 5)."""

from __future__ import annotations

from typing import Any

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.resources import EQ_NE, NAME, SETS, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.validation import blank_address, json_object, reject_unknown, require_fields, text

CURRENCIES = ("USD", "USD", "USD", "USD", "CAD", "EUR", "GBP")


def build_customer(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    f = ctx.fake
    name = data.get("name") or f.company()
    first, last = f.first_name(), f.last_name()
    obj: dict[str, Any] = {
        "id": data["id"],
        "archived": False,
        "name": name,
        "companyName": name,
        "email": f.email(first, name),
        "phone": f.phone(),
        "fax": "",
        "description": "",
        "accountNumber": "",
        "paymentTermId": "",
        "contact": {"firstName": first, "lastName": last},
        "invoiceCurrency": "USD",
        "accountType": "BUSINESS",
        "billingAddress": blank_address(),
        "shippingAddress": blank_address(),
        "balance": {"amount": 0.0},
        "hasBankAccount": False,
        "authorizedToCharge": False,
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    merged = generic.deep_merge(obj, {k: v for k, v in data.items() if k in obj})
    for key in ("billingAddress", "shippingAddress"):
        address = merged[key]
        if address.get("country") == "US" and not address.get("countryName"):
            address["countryName"] = "United States"
    return merged


def validate_customer(ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    writable = {
        "name",
        "companyName",
        "email",
        "phone",
        "fax",
        "description",
        "accountNumber",
        "paymentTermId",
        "contact",
        "invoiceCurrency",
        "accountType",
        "billingAddress",
        "shippingAddress",
    }
    reject_unknown(body, writable | {"id"})
    if existing is None and not body.get("name"):
        raise invalid_body("name: must not be blank")
    for key, limit in (("name", 100), ("companyName", 250), ("accountNumber", 100)):
        if body.get(key) is not None:
            text(body, key, limit)
    if "accountType" in body and body["accountType"] not in ("BUSINESS", "PERSON", "NONE"):
        raise invalid_body("accountType: must be one of BUSINESS, PERSON, NONE")
    for key in ("contact", "billingAddress", "shippingAddress"):
        if key in body:
            json_object(body[key], key)
    return {k: v for k, v in body.items() if k != "id"}


CUSTOMERS = register(
    Resource(
        "customers",
        "Customer",
        "0cu",
        build_customer,
        validate=validate_customer,
        filters=base_filters(
            name=Field("string", NAME),
            accountType=Field("string", SETS),
            invoiceCurrency=Field("string", SETS),
            email=Field("string", EQ_NE),
        ),
        sorts=frozenset(
            {
                "archived",
                "name",
                "companyName",
                "email",
                "phone",
                "fax",
                "description",
                "invoiceCurrency",
                "createdTime",
                "updatedTime",
            }
        ),
    )
)


# -- customer bank accounts -----------------------------------------------------------------
def build_bank_account(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    number = str(data.get("accountNumber") or ctx.fake.digits(10))
    obj = {
        "id": data["id"],
        "customerId": data.get("customerId", ""),
        "archived": False,
        "nameOnAccount": data.get("nameOnAccount", ""),
        "routingNumber": str(data.get("routingNumber") or "011000015"),
        "accountNumber": "*" * max(len(number) - 4, 0) + number[-4:],
        "type": data.get("type", "CHECKING"),
        "ownerType": data.get("ownerType", "BUSINESS"),
        "status": data.get("status", "VERIFIED"),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    obj["archived"] = bool(data.get("archived", False))
    return obj


def validate_bank_account(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    if existing is None:
        require_fields(body, ("nameOnAccount", "routingNumber", "accountNumber"))
    routing = body.get("routingNumber")
    if routing is not None and (not str(routing).isdigit() or len(str(routing)) != 9):
        raise invalid_body("routingNumber: must be 9 digits")
    if "type" in body and body["type"] not in ("CHECKING", "SAVINGS"):
        raise invalid_body("type: must be CHECKING or SAVINGS")
    if "ownerType" in body and body["ownerType"] not in ("BUSINESS", "PERSONAL"):
        raise invalid_body("ownerType: must be BUSINESS or PERSONAL")
    return {
        k: v
        for k, v in body.items()
        if k in {"nameOnAccount", "routingNumber", "accountNumber", "type", "ownerType"}
    }


CUSTOMER_BANK_ACCOUNTS = register(
    Resource(
        "customer_bank_accounts",
        "Customer bank account",
        "cba",
        build_bank_account,
        validate=validate_bank_account,
        parent_field="customerId",
        sorts=frozenset({"archived", "nameOnAccount", "createdTime", "updatedTime"}),
    )
)


def get_customer(ctx: Context, customer_id: str) -> dict[str, Any]:
    return generic.get(ctx, CUSTOMERS, customer_id)


def create_bank_account(ctx: Context, customer_id: str, body: Any) -> dict[str, Any]:
    """A customer needs a billing address first; hasBankAccount follows."""
    customer = get_customer(ctx, customer_id)
    if not customer["billingAddress"].get("line1"):
        raise unprocessable("Customer billing address is required before adding a bank account.")
    account = generic.create(ctx, CUSTOMER_BANK_ACCOUNTS, body, parent_id=customer["id"])
    if not customer.get("hasBankAccount"):
        customer["hasBankAccount"] = True
        generic.save(ctx, CUSTOMERS, customer)
    return account


def get_bank_account(ctx: Context, customer_id: str, account_id: str) -> dict[str, Any]:
    return generic.get(ctx, CUSTOMER_BANK_ACCOUNTS, account_id, customer_id)


def update_bank_account(ctx: Context, customer_id: str, account_id: str, body: Any) -> dict[str, Any]:
    return generic.update(ctx, CUSTOMER_BANK_ACCOUNTS, account_id, body, parent_id=customer_id)


def archive_bank_account(ctx: Context, customer_id: str, account_id: str) -> dict[str, Any]:
    """The customer's last active bank account gone, hasBankAccount turns false."""
    account = generic.set_archived(ctx, CUSTOMER_BANK_ACCOUNTS, account_id, True, customer_id)
    active = [
        r for r in ctx.store.find("customer_bank_accounts", ctx.scope, customer_id) if not r.body["archived"]
    ]
    if not active:
        customer = get_customer(ctx, customer_id)
        customer["hasBankAccount"] = False
        generic.save(ctx, CUSTOMERS, customer)
    return account


def set_charge_authorization(ctx: Context, customer_id: str, body: Any) -> dict[str, Any]:
    """{"authorizedToCharge": true|false}."""
    if not isinstance(body, dict) or not isinstance(body.get("authorizedToCharge"), bool):
        raise invalid_body("authorizedToCharge: must be true or false")
    customer = get_customer(ctx, customer_id)
    customer["authorizedToCharge"] = body["authorizedToCharge"]
    generic.save(ctx, CUSTOMERS, customer)
    return customer


# -- seed ------------------------------------------------------------------------------------
def seed(plan: SeedPlan) -> None:
    ctx, f = plan.ctx, plan.ctx.fake
    customers, accounts = [], []
    for _ in range(plan.scaled(0.15, minimum=8)):
        created, updated, _created_at = plan.created_and_updated()
        name = f.company()
        billing = f.address()
        obj = build_customer(
            ctx,
            {
                "id": ctx.ids.new("0cu"),
                "name": name,
                "createdTime": created,
                "updatedTime": updated,
                "billingAddress": billing,
                "shippingAddress": dict(billing) if f.chance(0.7) else f.address(),
                "accountType": "BUSINESS" if f.chance(0.85) else "PERSON",
                "invoiceCurrency": f.choice(CURRENCIES),
                "accountNumber": f"C-{f.digits(5)}",
                "description": f.choice(("", "", "Net 30 customer", "Key account")),
            },
        )
        obj["archived"] = f.chance(0.05)
        if f.chance(0.35):
            obj["hasBankAccount"] = True
            obj["authorizedToCharge"] = f.chance(0.8)
            accounts.append(
                build_bank_account(
                    ctx,
                    {
                        "id": ctx.ids.new("cba"),
                        "customerId": obj["id"],
                        "nameOnAccount": name,
                        "routingNumber": "011000015",
                        "accountNumber": f.digits(10),
                        "createdTime": created,
                        "updatedTime": created,
                        "ownerType": "BUSINESS" if obj["accountType"] == "BUSINESS" else "PERSONAL",
                    },
                )
            )
        customers.append(obj)
    ctx.store.insert_many("customers", ctx.scope, customers)
    for account in accounts:
        ctx.store.insert("customer_bank_accounts", ctx.scope, account, parent_id=account["customerId"])
    plan.refs["customers"] = [c["id"] for c in customers]
    plan.extra["customers"] = {c["id"]: c for c in customers}
