"""Recurring invoices (`/v3/recurring-invoices`, AR) and recurring bills (`/v3/recurringbills`, AP, no
dash): templates with a schedule and line items. The emulator keeps the templates; it does not generate
invoices or bills from them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bill_emulator.backends import generic, vendors
from bill_emulator.backends.context import Context
from bill_emulator.backends.customers import CUSTOMERS
from bill_emulator.backends.funding import funding_banks
from bill_emulator.backends.line_items import (
    AR_CLASSIFICATIONS,
    AR_LINE_CLASSIFICATIONS,
    EMPTY,
    LineItemFamily,
    LineSpec,
    build_line,
    classifications_of,
    document_fields,
    take_classifications,
    take_lines,
    take_owner,
    take_texts,
)
from bill_emulator.errors import invalid_body, not_found
from bill_emulator.resources import Resource, register
from bill_emulator.seedplan import SeedPlan, fast_ids
from bill_emulator.validation import (
    boolean,
    day,
    json_object,
    reject_unknown,
)

RECURRING_INVOICE_PREFIX = "0ri"
RECURRING_BILL_PREFIX = "0rb"
PERIODS = ("WEEKLY", "MONTHLY", "YEARLY", "NONE")
SORTS = frozenset({"archived", "createdTime", "updatedTime"})
INVOICE_LINE = LineSpec(
    "ril",
    AR_LINE_CLASSIFICATIONS,
    priced=True,
    extras=("taxable",),
)
BILL_LINE = LineSpec(
    "rbl",
    ("chartOfAccountId", "accountingClassId", "departmentId", "employeeId", "jobId", "locationId", "itemId"),
    ignored=("quantity",),  # BILL's own update example sends it; recurring bill lines have no quantity
)


def schedule(value: Any, existing: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a schedule (merged over the stored one on PATCH)."""
    json_object(value, "schedule")
    reject_unknown(value, {"period", "frequency", "nextDueDate", "endDate", "daysInAdvance"})
    merged = {**(existing or {}), **value}
    if merged.get("period") not in PERIODS:
        raise invalid_body(f"schedule.period: must be one of {', '.join(PERIODS)}")
    frequency = merged.get("frequency", 1)
    if isinstance(frequency, bool) or not isinstance(frequency, int) or not 1 <= frequency <= 99:
        raise invalid_body("schedule.frequency: must be a whole number from 1 to 99")
    if not merged.get("nextDueDate"):
        raise invalid_body("schedule.nextDueDate: must not be null")
    next_due = day(merged["nextDueDate"], "schedule.nextDueDate")
    end = day(merged["endDate"], "schedule.endDate") if merged.get("endDate") else None
    if end is not None and end < next_due:
        raise invalid_body("schedule.endDate: must not be before nextDueDate")
    advance = merged.get("daysInAdvance", 0)
    if isinstance(advance, bool) or not isinstance(advance, int) or not 0 <= advance <= 365:
        raise invalid_body("schedule.daysInAdvance: must be a whole number from 0 to 365")
    return {
        "period": merged["period"],
        "frequency": frequency,
        "nextDueDate": next_due,
        "endDate": end,
        "daysInAdvance": advance,
    }


# -- recurring invoices (AR) ------------------------------------------------------------------------
def build_recurring_invoice(ctx: Context, data: dict[str, Any], new_id: Any = None) -> dict[str, Any]:
    make = new_id or ctx.ids.new
    return {
        "id": data["id"],
        "customerId": data.get("customerId", ""),
        "description": data.get("description", ""),
        "archived": bool(data.get("archived", False)),
        "schedule": data["schedule"],
        "recurringInvoiceLineItems": [
            build_line(INVOICE_LINE, x, make) for x in data.get("recurringInvoiceLineItems", [])
        ],
        "classifications": classifications_of(data, AR_CLASSIFICATIONS),
        "sendEmail": bool(data.get("sendEmail", False)),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }


def validate_recurring_invoice(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    fields = document_fields(
        body,
        {
            "customerId",
            "description",
            "schedule",
            "recurringInvoiceLineItems",
            "classifications",
            "sendEmail",
        },
        ("customerId", "schedule", "recurringInvoiceLineItems"),
        replace,
    )
    take_owner(ctx, body, fields, "customerId", CUSTOMERS)
    take_texts(body, fields, ("description",))
    if "schedule" in body:
        fields["schedule"] = schedule(body["schedule"], None if replace else (existing or {}).get("schedule"))
    if "sendEmail" in body:
        fields["sendEmail"] = boolean(body["sendEmail"], "sendEmail")
    take_classifications(body, fields, AR_CLASSIFICATIONS)
    take_lines(body, fields, "recurringInvoiceLineItems", INVOICE_LINE)
    return fields


RECURRING_INVOICES = register(
    Resource(
        "recurring_invoices",
        "Recurring invoice",
        RECURRING_INVOICE_PREFIX,
        build_recurring_invoice,
        sorts=SORTS,
    )
)
RECURRING_INVOICE_FAMILY = LineItemFamily(
    RECURRING_INVOICES,
    "recurringInvoiceLineItems",
    INVOICE_LINE,
    validate_recurring_invoice,
)


# -- recurring bills (AP) ---------------------------------------------------------------------------
def build_recurring_bill(ctx: Context, data: dict[str, Any], new_id: Any = None) -> dict[str, Any]:
    make = new_id or ctx.ids.new
    return {
        "id": data["id"],
        "archived": bool(data.get("archived", False)),
        "vendorId": data.get("vendorId", ""),
        "description": data.get("description", ""),
        "schedule": data["schedule"],
        "recurringBillLineItems": [
            build_line(BILL_LINE, x, make) for x in data.get("recurringBillLineItems", [])
        ],
        "processingOptions": {
            "autoPayment": bool((data.get("processingOptions") or EMPTY).get("autoPayment"))
        },
        "paymentInformation": {
            "bankAccountId": (data.get("paymentInformation") or EMPTY).get("bankAccountId")
        },
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }


def validate_recurring_bill(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    fields = document_fields(
        body,
        {
            "vendorId",
            "description",
            "schedule",
            "recurringBillLineItems",
            "processingOptions",
            "paymentInformation",
        },
        ("vendorId", "schedule", "recurringBillLineItems"),
        replace,
    )
    take_owner(ctx, body, fields, "vendorId", vendors.VENDORS)
    take_texts(body, fields, ("description",))
    if "schedule" in body:
        fields["schedule"] = schedule(body["schedule"], None if replace else (existing or {}).get("schedule"))
    options = body.get("processingOptions")
    if options is not None:
        if not isinstance(options, dict) or not isinstance(options.get("autoPayment", False), bool):
            raise invalid_body("processingOptions.autoPayment: must be true or false")
        reject_unknown(options, {"autoPayment"})
        fields["processingOptions"] = options
    info = body.get("paymentInformation")
    if info is not None:
        json_object(info, "paymentInformation")
        reject_unknown(info, {"bankAccountId"})
        if info.get("bankAccountId") is not None and not isinstance(info["bankAccountId"], str):
            raise invalid_body("paymentInformation.bankAccountId: must be a string id")
        fields["paymentInformation"] = info
    auto = (options or (existing or EMPTY).get("processingOptions") or EMPTY).get("autoPayment")
    bank_id = (info or (existing or EMPTY).get("paymentInformation") or EMPTY).get("bankAccountId")
    if auto:
        if not bank_id:
            raise invalid_body("paymentInformation.bankAccountId: must not be blank when autoPayment is true")
        banks = {b["id"] for b in funding_banks(ctx)}
        if ctx.store.count("bank_accounts", ctx.scope) and bank_id not in banks:
            raise not_found("Bank account", bank_id)
    take_lines(body, fields, "recurringBillLineItems", BILL_LINE)
    return fields


def _vendor_recurring(ctx: Context, bill: dict[str, Any], old: dict[str, Any] | None) -> None:
    """A vendor's recurringPayments says whether it has an active recurring bill."""
    for vendor_id in {bill["vendorId"], (old or bill)["vendorId"]}:
        active = bool(
            ctx.store.execute(
                "SELECT 1 FROM records WHERE kind = 'recurring_bills' AND scope = ? AND archived = 0"
                " AND json_extract(body, '$.vendorId') = ? LIMIT 1",
                (ctx.scope, vendor_id),
            )
        )
        vendor = vendors.get_vendor(ctx, vendor_id)
        if vendor["recurringPayments"] != active:
            vendor["recurringPayments"] = active
            generic.save(ctx, vendors.VENDORS, vendor)


RECURRING_BILLS = register(
    Resource("recurring_bills", "Recurring bill", RECURRING_BILL_PREFIX, build_recurring_bill, sorts=SORTS)
)
RECURRING_BILL_FAMILY = LineItemFamily(
    RECURRING_BILLS,
    "recurringBillLineItems",
    BILL_LINE,
    validate_recurring_bill,
    after_write=_vendor_recurring,
)


# -- seed -------------------------------------------------------------------------------------------
_SUBSCRIPTIONS = (
    "Monthly subscription",
    "Maintenance plan",
    "Retainer",
    "Hosting",
    "Lease",
    "Support contract",
)


def _seed_schedule(plan: SeedPlan, archived: bool) -> dict[str, Any]:
    f = plan.ctx.fake
    period = f.choice(("MONTHLY", "MONTHLY", "MONTHLY", "WEEKLY", "YEARLY"))
    next_due = plan.end.date() + timedelta(days=f.integer(1, 30))
    if archived:
        next_due = plan.end.date() - timedelta(days=f.integer(30, 300))
    end = next_due + timedelta(days=365 * f.integer(1, 3)) if f.chance(0.5) else None
    return {
        "period": period,
        "frequency": 1,
        "nextDueDate": next_due.isoformat(),
        "endDate": end.isoformat() if end else None,
        "daysInAdvance": f.choice((0, 3, 5, 7)),
    }


def seed(plan: SeedPlan) -> None:
    """Recurring invoices for some customers and recurring bills for some vendors (a few archived)."""
    ctx, f = plan.ctx, plan.ctx.fake
    new_id = fast_ids(ctx, "recurring")
    accounts = plan.refs.get("chart_of_accounts") or [None]
    customers = list(plan.extra["customers"].values())
    templates = []
    for _ in range(plan.scaled(0.02, minimum=3)):
        customer = f.choice(customers)
        created, updated, _at = plan.created_and_updated()
        created = max(created, customer["createdTime"])
        archived = f.chance(0.1)
        item = f.choice(_SUBSCRIPTIONS)
        template = build_recurring_invoice(
            ctx,
            {
                "id": new_id(RECURRING_INVOICE_PREFIX),
                "customerId": customer["id"],
                "description": item,
                "schedule": _seed_schedule(plan, archived),
                "recurringInvoiceLineItems": [
                    {
                        "description": item,
                        "price": f.money(50, 2000),
                        "quantity": 1.0,
                        "taxable": f.chance(0.3),
                    }
                ],
                "sendEmail": f.chance(0.7),
                "createdTime": created,
                "updatedTime": max(created, updated),
            },
            new_id,
        )
        template["archived"] = archived
        templates.append(template)
    ctx.store.insert_many("recurring_invoices", ctx.scope, templates)

    by_vendor = plan.extra["vendors"]
    active = [v for v in by_vendor.values() if not v["archived"]]
    funding = ctx.store.meta(f"ap-funding:{ctx.scope}") or (plan.refs.get("bank_accounts") or [None])[0]
    recurring, flagged = [], set()
    for _ in range(plan.scaled(0.02, minimum=3)):
        vendor = f.choice(active)
        created, updated, _at = plan.created_and_updated()
        created = max(created, vendor["createdTime"])
        archived = f.chance(0.1)
        auto = f.chance(0.2) and funding is not None
        item = f.choice(_SUBSCRIPTIONS)
        template = build_recurring_bill(
            ctx,
            {
                "id": new_id(RECURRING_BILL_PREFIX),
                "vendorId": vendor["id"],
                "description": item,
                "schedule": _seed_schedule(plan, archived),
                "recurringBillLineItems": [
                    {
                        "description": item,
                        "amount": f.money(40, 3000),
                        "classifications": {"chartOfAccountId": f.choice(accounts)},
                    }
                ],
                "processingOptions": {"autoPayment": auto},
                "paymentInformation": {"bankAccountId": funding if auto else None},
                "createdTime": created,
                "updatedTime": max(created, updated),
            },
            new_id,
        )
        template["archived"] = archived
        if not archived:
            flagged.add(vendor["id"])
        recurring.append(template)
    ctx.store.insert_many("recurring_bills", ctx.scope, recurring)
    for vendor_id in sorted(flagged):
        vendor = by_vendor[vendor_id]
        vendor["recurringPayments"] = True
        ctx.store.replace("vendors", vendor)
