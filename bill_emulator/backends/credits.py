"""Credit memos (AR: what the organization owes a customer back, applied to invoices) and vendor credits
(AP: what a vendor owes the organization, applied when bills are paid). amount = Σ lines (+ sales tax for
credit memos), appliedAmount = Σ usage, and status follows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from bill_emulator.backends import generic, invoices, vendors
from bill_emulator.backends.context import Context
from bill_emulator.backends.customers import CUSTOMERS
from bill_emulator.backends.line_items import (
    AR_CLASSIFICATIONS,
    AR_LINE_CLASSIFICATIONS,
    LineItemFamily,
    LineSpec,
    apply_rates,
    build_line,
    classifications_of,
    document_fields,
    take_classifications,
    take_lines,
    take_owner,
    take_texts,
)
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.resources import Resource, register
from bill_emulator.seedplan import SeedPlan, fast_ids
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import (
    day,
    money,
)

CREDIT_MEMO_PREFIX = "0cm"
VENDOR_CREDIT_PREFIX = "0vc"
CREDIT_MEMO_LINE = LineSpec(
    "0ml",
    AR_LINE_CLASSIFICATIONS,
    priced=True,
    extras=("ratePercent", "taxable"),
)
VENDOR_CREDIT_LINE = LineSpec(
    "0vl",
    (
        "chartOfAccountId",
        "accountingClassId",
        "departmentId",
        "jobId",
        "locationId",
        "itemId",
        "employeeId",
        "customerId",
    ),
)
SORTS = frozenset({"archived", "creditDate", "amount", "appliedAmount", "createdTime", "updatedTime"})


def applied_status(amount: float, applied: float) -> str:
    if applied <= 0:
        return "NOT_APPLIED"
    return "FULLY_APPLIED" if applied >= amount - 1e-9 else "PARTIALLY_APPLIED"


def _credit(data: dict[str, Any], owner: str) -> dict[str, Any]:
    """What every credit starts with: its id, its customer or vendor (`owner`), reference, date (the day it
    was created unless given), description and archived flag."""
    return {
        "id": data["id"],
        owner: data.get(owner, ""),
        "referenceNumber": data.get("referenceNumber", ""),
        "creditDate": data.get("creditDate") or data["createdTime"][:10],
        "description": data.get("description", ""),
        "archived": bool(data.get("archived", False)),
    }


def _common(ctx: Context, body: dict[str, Any], fields: dict[str, Any]) -> None:
    take_texts(body, fields, ("referenceNumber", "description"))
    if "creditDate" in body:
        fields["creditDate"] = day(body["creditDate"], "creditDate")


def _check_applied(obj: dict[str, Any], owner: str, existing: dict[str, Any] | None) -> None:
    if obj["amount"] <= 0:
        raise invalid_body("The credit amount must be greater than zero.")
    if obj["amount"] + 1e-9 < obj["appliedAmount"]:
        raise unprocessable(
            f"Amount {obj['amount']:.2f} is less than the {obj['appliedAmount']:.2f} already applied."
        )
    if existing and existing[owner] != obj[owner] and obj["appliedAmount"] > 0:
        raise unprocessable(f"The {owner} of an applied credit cannot be changed.")


# -- credit memos (AR) ---------------------------------------------------------------------------
def build_credit_memo(ctx: Context, data: dict[str, Any], new_id: Any = None) -> dict[str, Any]:
    make = new_id or ctx.ids.new
    obj: dict[str, Any] = {
        **_credit(data, "customerId"),
        "salesTaxItemId": data.get("salesTaxItemId"),
        "payToChartOfAccountId": data.get("payToChartOfAccountId"),
        "payToBankAccountId": data.get("payToBankAccountId"),
        "amount": 0.0,
        "appliedAmount": 0.0,
        "salesTaxTotal": 0.0,
        "salesTaxPercentage": float(data.get("salesTaxPercentage", 0.0) or 0.0),
        "status": "NOT_APPLIED",
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "creditMemoLineItems": [
            build_line(CREDIT_MEMO_LINE, x, make) for x in data.get("creditMemoLineItems", [])
        ],
        "classifications": classifications_of(data, AR_CLASSIFICATIONS),
        "usage": list(data.get("usage", [])),
    }
    derive_credit_memo(ctx, obj)
    return obj


def derive_credit_memo(ctx: Context, obj: dict[str, Any]) -> None:
    lines = obj["creditMemoLineItems"]
    apply_rates(lines)
    subtotal = round(sum(x["amount"] for x in lines), 2)
    taxable = round(sum(x["amount"] for x in lines if x["taxable"]), 2)
    obj["salesTaxTotal"] = round(taxable * obj["salesTaxPercentage"] / 100, 2)
    obj["amount"] = float(round(subtotal + obj["salesTaxTotal"], 2))
    obj["appliedAmount"] = float(round(sum(u["amount"] for u in obj["usage"]), 2))
    obj["status"] = applied_status(obj["amount"], obj["appliedAmount"])


_MEMO_FIELDS = frozenset(
    {
        "customerId",
        "referenceNumber",
        "creditDate",
        "description",
        "salesTaxItemId",
        "payToChartOfAccountId",
        "payToBankAccountId",
        "salesTaxPercentage",
        "classifications",
        "creditMemoLineItems",
    }
)


def validate_credit_memo(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    fields = document_fields(body, _MEMO_FIELDS, ("customerId", "creditDate", "creditMemoLineItems"), replace)
    take_owner(ctx, body, fields, "customerId", CUSTOMERS)
    _common(ctx, body, fields)
    for key in ("salesTaxItemId", "payToChartOfAccountId", "payToBankAccountId"):
        if key in body:
            fields[key] = body[key]
    if "salesTaxPercentage" in body:
        percentage = money(body["salesTaxPercentage"], "salesTaxPercentage")
        if not 0 <= percentage <= 100:
            raise invalid_body("salesTaxPercentage: must be between 0 and 100")
        fields["salesTaxPercentage"] = percentage
    take_classifications(body, fields, AR_CLASSIFICATIONS)
    take_lines(body, fields, "creditMemoLineItems", CREDIT_MEMO_LINE)
    return fields


CREDIT_MEMOS = register(
    Resource(
        "credit_memos",
        "Credit memo",
        CREDIT_MEMO_PREFIX,
        build_credit_memo,
        derive=derive_credit_memo,
        sorts=SORTS,
    )
)
CREDIT_MEMO_FAMILY = LineItemFamily(
    CREDIT_MEMOS,
    "creditMemoLineItems",
    CREDIT_MEMO_LINE,
    validate_credit_memo,
    bulk_key="creditMemos",
    max_bulk=50,
    check=lambda ctx, obj, old: _check_applied(obj, "customerId", old),
)


# -- vendor credits (AP) ---------------------------------------------------------------------------
def build_vendor_credit(ctx: Context, data: dict[str, Any], new_id: Any = None) -> dict[str, Any]:
    make = new_id or ctx.ids.new
    obj: dict[str, Any] = {
        **_credit(data, "vendorId"),
        "applyToChartOfAccountId": data.get("applyToChartOfAccountId"),
        "applyToBankAccountId": data.get("applyToBankAccountId"),
        "amount": 0.0,
        "appliedAmount": 0.0,
        "status": "NOT_APPLIED",
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "vendorCreditLineItems": [
            build_line(VENDOR_CREDIT_LINE, x, make) for x in data.get("vendorCreditLineItems", [])
        ],
        "usage": list(data.get("usage", [])),
    }
    derive_vendor_credit(ctx, obj)
    return obj


def derive_vendor_credit(ctx: Context, obj: dict[str, Any]) -> None:
    obj["amount"] = float(round(sum(x["amount"] for x in obj["vendorCreditLineItems"]), 2))
    obj["appliedAmount"] = float(round(sum(u["amount"] for u in obj["usage"]), 2))
    obj["status"] = applied_status(obj["amount"], obj["appliedAmount"])


_CREDIT_FIELDS = frozenset(
    {
        "vendorId",
        "referenceNumber",
        "creditDate",
        "description",
        "applyToChartOfAccountId",
        "applyToBankAccountId",
        "vendorCreditLineItems",
    }
)


def validate_vendor_credit(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    fields = document_fields(
        body, _CREDIT_FIELDS, ("vendorId", "creditDate", "vendorCreditLineItems"), replace
    )
    if existing is not None and existing["archived"]:
        raise unprocessable(f"Vendor credit {existing['id']} is archived and cannot be changed.")
    take_owner(ctx, body, fields, "vendorId", vendors.VENDORS)
    _common(ctx, body, fields)
    for key in ("applyToChartOfAccountId", "applyToBankAccountId"):
        if key in body:
            fields[key] = body[key]
    take_lines(body, fields, "vendorCreditLineItems", VENDOR_CREDIT_LINE)
    return fields


VENDOR_CREDITS = register(
    Resource(
        "vendor_credits",
        "Vendor credit",
        VENDOR_CREDIT_PREFIX,
        build_vendor_credit,
        derive=derive_vendor_credit,
        sorts=SORTS,
    )
)
VENDOR_CREDIT_FAMILY = LineItemFamily(
    VENDOR_CREDITS,
    "vendorCreditLineItems",
    VENDOR_CREDIT_LINE,
    validate_vendor_credit,
    bulk_key="vendorCredits",
    max_bulk=50,
    check=lambda ctx, obj, old: _check_applied(obj, "vendorId", old),
)


def release_vendor_credit(ctx: Context, credit_id: str, payment_id: str) -> None:
    """A voided payment gives back the vendor credit it used."""
    row = ctx.store.get("vendor_credits", credit_id)
    if row is None:
        return
    credit = row.body
    credit["usage"] = [u for u in credit["usage"] if u["paymentId"] != payment_id]
    generic.save(ctx, VENDOR_CREDITS, credit)


# -- seed ------------------------------------------------------------------------------------------
_REASONS = ("Returned goods", "Billing error", "Volume discount", "Damaged shipment", "Service credit")


def seed_vendor_credits(plan: SeedPlan, new_id: Any) -> list[dict[str, Any]]:
    """Vendor credits (not yet stored: bill payments apply some of them first)."""
    ctx, f = plan.ctx, plan.ctx.fake
    active = [v for v in plan.extra["vendors"].values() if not v["archived"]]
    created_of = plan.extra["vendor_created"]
    accounts = plan.refs.get("chart_of_accounts") or [None]
    result = []
    for number in range(1, plan.scaled(0.03, minimum=3) + 1):
        vendor = f.choice(active)
        latest = max(plan.end - timedelta(days=30), created_of[vendor["id"]])
        created_at = f.moment_between(max(plan.start, created_of[vendor["id"]]), latest)
        created = format_timestamp(created_at)
        reason = f.choice(_REASONS)
        credit = build_vendor_credit(
            ctx,
            {
                "id": new_id(VENDOR_CREDIT_PREFIX),
                "vendorId": vendor["id"],
                "referenceNumber": f"VC-{number:05d}",
                "creditDate": created_at.date().isoformat(),
                "description": reason,
                "vendorCreditLineItems": [
                    {
                        "description": reason,
                        "amount": f.money(20, 400),
                        "classifications": {"chartOfAccountId": f.choice(accounts)},
                    }
                    for _ in range(f.integer(1, 2))
                ],
                "createdTime": created,
                "updatedTime": created,
            },
            new_id,
        )
        credit["archived"] = f.chance(0.03)
        result.append(credit)
    return result


def seed(plan: SeedPlan) -> None:
    """Credit memos for customers; about 60% applied to one of the customer's open invoices."""
    ctx, f = plan.ctx, plan.ctx.fake
    new_id = fast_ids(ctx, "credit-memos")
    customers: dict[str, dict[str, Any]] = plan.extra["customers"]
    open_by_customer: dict[str, list[tuple[str, float, str]]] = {}
    for invoice_id, customer_id, due, created in ctx.store.execute(
        "SELECT id, json_extract(body, '$.customerId'), json_extract(body, '$.dueAmount'), created_time"
        " FROM records WHERE kind = 'invoices' AND scope = ? AND archived = 0"
        " AND json_extract(body, '$.dueAmount') > 1 ORDER BY created_time, id",
        (ctx.scope,),
    ):
        open_by_customer.setdefault(customer_id, []).append((invoice_id, due, created))
    memos: list[dict[str, Any]] = []
    touched: dict[str, tuple[float, str]] = {}
    everyone = list(customers.values())
    owners = sorted(open_by_customer)
    for number in range(1, plan.scaled(0.04, minimum=3) + 1):
        target = None
        if owners and f.chance(0.6):
            slot = f.integer(0, len(owners) - 1)
            customer = customers[owners[slot]]
            candidates = open_by_customer[customer["id"]]
            target = candidates.pop(f.integer(0, len(candidates) - 1))
            if not candidates:
                owners[slot] = owners[-1]
                owners.pop()
        else:
            customer = f.choice(everyone)
        created, _updated, _at = plan.created_and_updated()
        created = max(created, customer["createdTime"], target[2] if target else "")
        reason = f.choice(_REASONS)
        memo = build_credit_memo(
            ctx,
            {
                "id": new_id(CREDIT_MEMO_PREFIX),
                "customerId": customer["id"],
                "referenceNumber": f"CM-{number:05d}",
                "creditDate": created[:10],
                "description": reason,
                "creditMemoLineItems": [
                    {"description": reason, "price": f.money(10, 300), "quantity": float(f.integer(1, 3))}
                ],
                "createdTime": created,
                "updatedTime": created,
            },
            new_id,
        )
        if target:
            invoice_id, due, _created = target
            applied = round(min(due, memo["amount"]), 2)
            memo["usage"] = [{"invoiceId": invoice_id, "amount": applied}]
            derive_credit_memo(ctx, memo)
            touched[invoice_id] = (applied, created)
        memo["archived"] = not memo["usage"] and f.chance(0.03)
        memos.append(memo)
    ctx.store.insert_many("credit_memos", ctx.scope, memos)
    _apply_to_invoices(ctx, customers, touched)


def _apply_to_invoices(
    ctx: Context, customers: dict[str, Any], touched: dict[str, tuple[float, str]]
) -> None:
    """Applied credit memos lower their invoices' due amounts and their customers' balances."""
    ids = list(touched)
    changed: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for (raw,) in ctx.store.execute(
            f"SELECT body FROM records WHERE kind = 'invoices' AND id IN ({marks})", chunk
        ):
            invoice = orjson.loads(raw)
            applied, stamp = touched[invoice["id"]]
            invoice["creditAmount"] = round(invoice["creditAmount"] + applied, 2)
            invoices.derive_invoice(ctx, invoice)
            invoice["updatedTime"] = max(invoice["updatedTime"], stamp)
            ctx.store.replace("invoices", invoice)
            customer = customers[invoice["customerId"]]
            customer["balance"] = {"amount": round(customer["balance"]["amount"] - applied, 2)}
            changed.add(customer["id"])
    for customer_id in sorted(changed):
        ctx.store.replace("customers", customers[customer_id])
