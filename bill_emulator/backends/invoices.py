"""Invoices and received payments: create, replace, update, archive, payment links, recorded payments and
charges (BILL's AR workflow, chapters 4 and 6). Amounts always agree: dueAmount = totalAmount - paid - credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.backends.customers import CUSTOMERS
from bill_emulator.backends.line_items import (
    AR_CLASSIFICATIONS,
    AR_LINE_CLASSIFICATIONS,
    classifications_of,
    take_classifications,
)
from bill_emulator.errors import BillApiError, invalid_body, not_found, unprocessable
from bill_emulator.fake import parse_timestamp
from bill_emulator.resources import EQ_IN, EQ_NE_IN, RANGE, SETS, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_date, format_timestamp
from bill_emulator.validation import body_object, classification_ids, day, numeric, objects


def build_line(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    quantity = float(data.get("quantity", 1) or 1)
    if "price" in data:
        price = numeric(data["price"], "invoiceLineItems.price")
    elif "amount" in data:
        price = round(numeric(data["amount"], "invoiceLineItems.amount") / quantity, 2)
    else:
        price = 0.0
    classifications = {key: None for key in AR_LINE_CLASSIFICATIONS}
    classifications.update(data.get("classifications") or {})
    return {
        "id": data.get("id") or ctx.ids.new("0il"),
        "description": data.get("description", ""),
        "price": price,
        "quantity": quantity,
        "classifications": classifications,
    }


def build_invoice(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    invoice_date = data.get("invoiceDate") or data["createdTime"][:10]
    obj: dict[str, Any] = {
        "id": data["id"],
        "archived": bool(data.get("archived", False)),
        "invoiceNumber": data.get("invoiceNumber") or data["id"][-6:].upper(),
        "invoiceDate": invoice_date,
        "dueDate": data.get("dueDate")
        or format_date(parse_timestamp(data["createdTime"]) + timedelta(days=30)),
        "customerId": data.get("customerId", ""),
        "totalAmount": 0.0,
        "dueAmount": 0.0,
        "scheduledAmount": 0.0,
        "creditAmount": float(data.get("creditAmount", 0.0)),
        "status": "OPEN",
        "exchangeRate": 1.0,
        "invoiceLineItems": [build_line(ctx, line) for line in data.get("invoiceLineItems", [])],
        "payToChartOfAccountId": data.get("payToChartOfAccountId"),
        "payments": list(data.get("payments", [])),
        "classifications": classifications_of(data, AR_CLASSIFICATIONS),
        "salesTaxItemId": data.get("salesTaxItemId"),
        "salesTaxTotal": 0.0,
        "salesTaxPercentage": float(data.get("salesTaxPercentage", 0) or 0),
        "enableCardPayment": bool(data.get("enableCardPayment", False)),
        "convenienceFee": {"percentage": 0.0},
        "invoicePdfId": data.get("invoicePdfId") or ctx.ids.new("att"),
        "recordStatus": "ACTIVE",
        "createdBy": data.get("createdBy") or ctx.user_id,
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    return obj


def derive_invoice(ctx: Context, obj: dict[str, Any]) -> None:
    """Totals, due amount and status follow from the lines, payments and credits."""
    subtotal = float(round(sum(line["price"] * line["quantity"] for line in obj["invoiceLineItems"]), 2))
    obj["salesTaxTotal"] = round(subtotal * obj["salesTaxPercentage"] / 100, 2)
    obj["totalAmount"] = round(subtotal + obj["salesTaxTotal"], 2)
    paid = float(round(sum(p["amount"] for p in obj["payments"] if p["status"] == "PAID"), 2))
    obj["scheduledAmount"] = float(
        round(sum(p["amount"] for p in obj["payments"] if p["status"] == "SCHEDULED"), 2)
    )
    obj["dueAmount"] = max(round(obj["totalAmount"] - paid - obj["creditAmount"], 2), 0.0)
    if obj["totalAmount"] > 0 and obj["dueAmount"] == 0:
        obj["status"] = "PAID_IN_FULL"
    elif obj["scheduledAmount"] > 0:
        obj["status"] = "SCHEDULED"
    elif paid > 0 or obj["creditAmount"] > 0:
        obj["status"] = "PARTIAL_PAYMENT"
    else:
        obj["status"] = "OPEN"
    obj["recordStatus"] = "INACTIVE" if obj["archived"] else "ACTIVE"


def _customer_id(ctx: Context, body: dict[str, Any], required: bool) -> str | None:
    if "customer" not in body:
        if required:
            raise invalid_body("customer: The customer field is required")
        return None
    customer = body["customer"]
    if not isinstance(customer, dict):
        raise invalid_body("Cannot construct instance of `InvoiceCustomer` from a non-object value")
    customer_id = customer.get("id")
    if not isinstance(customer_id, str) or not customer_id:
        raise invalid_body("customer.id: must not be blank")
    generic.get(ctx, CUSTOMERS, customer_id)
    return customer_id


def validate_invoice(ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    creating = existing is None
    fields: dict[str, Any] = {}
    customer_id = _customer_id(ctx, body, required=creating)
    if customer_id:
        fields["customerId"] = customer_id
    lines = body.get("invoiceLineItems")
    if lines is not None or creating:
        objects(lines, "invoiceLineItems: must contain at least one line item")
        for line in lines:
            for key in ("price", "amount", "quantity"):
                if key in line:
                    numeric(line[key], f"invoiceLineItems.{key}")
            if line.get("id") is not None and not isinstance(line["id"], str):
                raise invalid_body("invoiceLineItems.id: must be a string id")
            classification_ids(
                AR_LINE_CLASSIFICATIONS, line.get("classifications"), "invoiceLineItems.classifications"
            )
        fields["invoiceLineItems"] = lines
    for key in ("invoiceDate", "dueDate"):
        if key in body:
            fields[key] = day(body[key], key)
    if "invoiceNumber" in body:
        number = body["invoiceNumber"]
        if not isinstance(number, str) or not number or len(number) > 21:
            raise invalid_body("invoiceNumber: must be 1 to 21 characters")
        clash = [
            r
            for r in ctx.store.find("invoices", ctx.scope)
            if r.body["invoiceNumber"] == number and (existing is None or r.id != existing["id"])
        ]
        if clash:
            raise unprocessable(f"Invoice number {number} already exists. Enter a unique invoice number.")
        fields["invoiceNumber"] = number
    take_classifications(body, fields, AR_CLASSIFICATIONS)
    if "salesTaxPercentage" in body:
        numeric(body["salesTaxPercentage"], "salesTaxPercentage")
    for key in ("payToChartOfAccountId", "salesTaxItemId", "salesTaxPercentage", "enableCardPayment"):
        if key in body:
            fields[key] = body[key]
    return fields


def _merge_lines(
    ctx: Context, existing: list[dict[str, Any]], changes: list[dict[str, Any]], replace: bool
) -> list[dict[str, Any]]:
    by_id = {line["id"]: line for line in existing}
    result = [] if replace else [dict(line) for line in existing]
    for change in changes:
        if change.get("id") in by_id:
            merged = generic.deep_merge(by_id[change["id"]], change)
            line = build_line(ctx, merged)
            if replace:
                result.append(line)
            else:
                result = [line if x["id"] == line["id"] else x for x in result]
        else:
            result.append(build_line(ctx, {k: v for k, v in change.items() if k != "id"}))
    return result


INVOICES = register(
    Resource(
        "invoices",
        "Invoice",
        "00e",
        build_invoice,
        validate=validate_invoice,
        derive=derive_invoice,
        filters=base_filters(
            customerId=Field("string", EQ_IN),
            invoiceNumber=Field("string", EQ_NE_IN),
            status=Field("string", SETS),
            dueDate=Field("date", RANGE),
            invoiceDate=Field("date", RANGE),
            payToChartOfAccountId=Field("string", EQ_NE_IN),
        ),
        sorts=frozenset(
            {
                "archived",
                "invoiceNumber",
                "invoiceDate",
                "dueDate",
                "totalAmount",
                "createdTime",
                "updatedTime",
            }
        ),
    )
)


def create_invoice(ctx: Context, body: Any) -> dict[str, Any]:
    """A new invoice (processingOptions.sendEmail marks it sent); the customer's balance follows."""
    body = body_object(body)
    fields = validate_invoice(ctx, body, None)
    now = ctx.now()
    invoice = build_invoice(
        ctx,
        {
            **fields,
            "id": ctx.ids.new("00e"),
            "createdTime": now,
            "updatedTime": now,
            "invoiceDate": fields.get("invoiceDate") or now[:10],
        },
    )
    derive_invoice(ctx, invoice)
    ctx.store.insert("invoices", ctx.scope, invoice)
    _refresh_balance(ctx, invoice["customerId"])
    options = body.get("processingOptions") or {}
    if options.get("sendEmail"):
        ctx.store.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"invoice-email:{invoice['id']}", now)
        )
    return invoice


def update_invoice(ctx: Context, invoice_id: str, body: Any, replace: bool) -> dict[str, Any]:
    """PATCH changes lines by id and adds new ones; PUT keeps only the lines it names."""
    existing = generic.get(ctx, INVOICES, invoice_id)
    fields = validate_invoice(ctx, body_object(body), existing)
    lines = fields.pop("invoiceLineItems", None)
    invoice = generic.deep_merge(existing, fields)
    if lines is not None:
        invoice["invoiceLineItems"] = _merge_lines(ctx, existing["invoiceLineItems"], lines, replace)
    generic.save(ctx, INVOICES, invoice)
    _refresh_balance(ctx, invoice["customerId"])
    if existing["customerId"] != invoice["customerId"]:
        _refresh_balance(ctx, existing["customerId"])
    return invoice


def archive_invoice(ctx: Context, invoice_id: str, archived: bool) -> dict[str, Any]:
    invoice = generic.set_archived(ctx, INVOICES, invoice_id, archived)
    _refresh_balance(ctx, invoice["customerId"])
    return invoice


@dataclass(frozen=True)
class InvoiceFamily(generic.Collection):
    """Invoices as handlers.crud serves them: every write moves the customer's balance."""

    def create(self, ctx: Context, body: Any) -> dict[str, Any]:
        return create_invoice(ctx, body)

    def update(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]:
        return update_invoice(ctx, object_id, body, replace)

    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]:
        return archive_invoice(ctx, object_id, archived)


INVOICE_FAMILY = InvoiceFamily(INVOICES)


def _refresh_balance(ctx: Context, customer_id: str) -> None:
    """A customer's balance is what its active invoices still owe."""
    row = ctx.store.get("customers", customer_id)
    if row is None:
        return
    owed = ctx.store.execute(
        "SELECT ifnull(sum(json_extract(body, '$.dueAmount')), 0) FROM records"
        " WHERE kind = 'invoices' AND scope = ? AND archived = 0 AND json_extract(body, '$.customerId') = ?",
        (ctx.scope, customer_id),
    )[0][0]
    customer = row.body
    if round(owed, 2) != customer["balance"]["amount"]:
        customer["balance"] = {"amount": round(owed, 2)}
        generic.save(ctx, CUSTOMERS, customer)


def payment_link(ctx: Context, invoice_id: str, body: Any) -> dict[str, Any]:
    """{customerId, email, returnUrl} -> {paymentLink}."""
    invoice = generic.get(ctx, INVOICES, invoice_id)
    body = body if isinstance(body, dict) else {}
    if body.get("customerId") and body["customerId"] != invoice["customerId"]:
        raise invalid_body("customerId: does not match the invoice's customer")
    token = invoice["id"][-10:]
    return {"paymentLink": f"https://app.bill.com/p/{ctx.scope}/{invoice['id']}?t={token}"}


def send_invoice(ctx: Context, invoice_id: str) -> None:
    invoice = generic.get(ctx, INVOICES, invoice_id)
    ctx.store.set_meta(f"invoice-email:{invoice['id']}", ctx.now())


# -- received payments -------------------------------------------------------------------------
def build_received_payment(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data["id"],
        "customerId": data.get("customerId", ""),
        "amount": float(data.get("amount", 0.0)),
        "invoicePayments": list(data.get("invoicePayments", [])),
        "description": data.get("description", ""),
        "paymentDate": data.get("paymentDate") or data["createdTime"][:10],
        "fundingAccount": data.get("fundingAccount") or {"id": None, "type": "BANK_ACCOUNT"},
        "receivablesAccount": data.get("receivablesAccount") or {"id": None, "type": "BANK_ACCOUNT"},
        "unappliedAmount": float(data.get("unappliedAmount", 0.0)),
        "convenienceFeeAmount": 0.0,
        "receivablesType": data.get("receivablesType", "WALLET"),
        "status": data.get("status", "PAID"),
        "referenceNumber": data.get("referenceNumber") or ctx.fake.digits(6),
        "onlinePayment": bool(data.get("onlinePayment", False)),
        "paymentType": data.get("paymentType", "ACH"),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }


RECEIVABLE_PAYMENTS = register(
    Resource(
        "receivable_payments",
        "Received payment",
        "0rp",
        build_received_payment,
        filters={
            **base_filters(customerId=Field("string", EQ_IN), status=Field("string", SETS)),
            "archived": Field("bool", frozenset()),
        },
        sorts=frozenset({"amount", "createdTime", "updatedTime"}),
    )
)


def _apply_payment(
    ctx: Context, customer_id: str, allocations: list[tuple[str, float]], payment_id: str, payment_date: str
) -> list[dict[str, Any]]:
    invoices = []
    for invoice_id, amount in allocations:
        invoice = generic.get(ctx, INVOICES, invoice_id)
        if invoice["customerId"] != customer_id:
            raise invalid_body(f"Invoice {invoice_id} does not belong to customer {customer_id}.")
        if invoice["archived"]:
            raise unprocessable(f"Invoice {invoice_id} is archived.")
        if amount <= 0 or amount > invoice["dueAmount"] + 1e-9:
            raise unprocessable(f"Amount {amount:.2f} exceeds the amount due on invoice {invoice_id}.")
        invoice["payments"].append(
            {"id": payment_id, "amount": amount, "status": "PAID", "date": payment_date}
        )
        generic.save(ctx, INVOICES, invoice)
        invoices.append(invoice)
    _refresh_balance(ctx, customer_id)
    return invoices


def _allocations(items: Any, id_key: str) -> list[tuple[str, float]]:
    if not isinstance(items, list) or not items:
        raise invalid_body("At least one invoice is required.")
    result = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(id_key), str):
            raise invalid_body(f"Each invoice needs its {id_key}.")
        result.append((item[id_key], numeric(item.get("amount"), "amount")))
    return result


def _receive_payment(
    ctx: Context,
    body: dict[str, Any],
    customer_id: str,
    allocations: list[tuple[str, float]],
    data: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A received payment (recorded or charged) on the request's paymentDate (today without one): applied
    to its invoices, one invoice payment per allocation, and stored. -> (the payment, its invoices)."""
    payment_date = day(body.get("paymentDate") or ctx.now()[:10], "paymentDate")
    now = ctx.now()
    payment_id = ctx.ids.new("0rp")
    invoices = _apply_payment(ctx, customer_id, allocations, payment_id, payment_date)
    payment = build_received_payment(
        ctx,
        {
            **data,
            "id": payment_id,
            "customerId": customer_id,
            "paymentDate": payment_date,
            "invoicePayments": [
                {"invoiceId": i, "amount": a, "paymentDate": payment_date} for i, a in allocations
            ],
            "description": body.get("description", ""),
            "createdTime": now,
            "updatedTime": now,
        },
    )
    ctx.store.insert("receivable_payments", ctx.scope, payment)
    return payment, invoices


def record_payment(ctx: Context, body: Any) -> dict[str, Any]:
    """An offline payment (cash, check, card in store), applied to invoices."""
    body = body_object(body)
    customer = generic.get(ctx, CUSTOMERS, str(body.get("customerId") or ""))
    allocations = _allocations(body.get("invoices"), "id")
    amount = numeric(body.get("amount"), "amount")
    applied = round(sum(a for _, a in allocations), 2)
    if applied > amount + 1e-9:
        raise unprocessable("The amounts applied to invoices exceed the payment amount.")
    payment, invoices = _receive_payment(
        ctx,
        body,
        customer["id"],
        allocations,
        {
            "amount": amount,
            "unappliedAmount": round(amount - applied, 2),
            "receivablesType": "OFFLINE",
            "paymentType": body.get("paymentType", "OTHER"),
            "onlinePayment": False,
        },
    )
    return {
        "id": payment["id"],
        "customerId": customer["id"],
        "paymentType": payment["paymentType"],
        "paymentDate": payment["paymentDate"],
        "amount": amount,
        "unappliedAmount": payment["unappliedAmount"],
        "status": "PAID",
        "description": payment["description"],
        "invoices": [{"id": inv["id"], "payments": inv["payments"]} for inv in invoices],
    }


def charge_customer(ctx: Context, body: Any) -> dict[str, Any]:
    """Charge an authorized customer's bank account for invoices."""
    body = body_object(body)
    if not isinstance(body.get("customerId"), str):
        raise invalid_body("customerId: must not be blank")
    customer = generic.get(ctx, CUSTOMERS, body["customerId"])
    funding = body.get("fundingAccount")
    funding_id = funding.get("id") if isinstance(funding, dict) else funding
    if not isinstance(funding_id, str) or not funding_id:
        raise invalid_body("fundingAccount: the customer bank account id is required")
    if not customer.get("authorizedToCharge"):
        raise unprocessable("Customer has not authorized charges. Set the charge authorization first.")
    account = ctx.store.get("customer_bank_accounts", funding_id)
    if account is None or account.parent_id != customer["id"] or account.body["archived"]:
        raise BillApiError("BDC_1118", f"Customer bank account not found: {funding_id}")
    allocations = _allocations(body.get("invoicePayments"), "invoiceId")
    payment, _invoices = _receive_payment(
        ctx,
        body,
        customer["id"],
        allocations,
        {
            "amount": round(sum(a for _, a in allocations), 2),
            "fundingAccount": {"id": funding_id, "type": "BANK_ACCOUNT"},
            "receivablesType": "WALLET",
            "paymentType": "ACH",
            "onlinePayment": True,
        },
    )
    return payment


def get_received_payment(ctx: Context, payment_id: str) -> dict[str, Any]:
    row = ctx.store.get("receivable_payments", payment_id)
    if row is None or row.scope != ctx.scope:
        raise not_found("Received payment", payment_id)
    return row.body


# -- seed ------------------------------------------------------------------------------------------
def seed(plan: SeedPlan) -> None:
    """Invoices with line items over the history window; most get paid, some partly, some by charge."""
    ctx, f = plan.ctx, plan.ctx.fake
    customers = [c for c in plan.extra["customers"].values()]
    accounts = plan.refs.get("chart_of_accounts") or [None]
    invoices, payments = [], []
    balances: dict[str, float] = {c["id"]: 0.0 for c in customers}
    for number in range(1, plan.invoices + 1):
        customer = f.choice(customers)
        created_at = f.moment_between(max(plan.start, parse_timestamp(customer["createdTime"])), plan.end)
        created = format_timestamp(created_at)
        lines = [
            {"description": f.product(), "quantity": float(f.integer(1, 5)), "price": f.money(20, 900)}
            for _ in range(f.integer(1, 4))
        ]
        invoice = build_invoice(
            ctx,
            {
                "id": ctx.ids.new("00e"),
                "customerId": customer["id"],
                "invoiceNumber": f"INV-{number:06d}",
                "invoiceDate": created[:10],
                "dueDate": f.date_after(created_at, 15, 45),
                "invoiceLineItems": lines,
                "payToChartOfAccountId": f.choice(accounts),
                "createdTime": created,
                "updatedTime": created,
            },
        )
        derive_invoice(ctx, invoice)
        updated_at = created_at
        age_days = (plan.end - created_at).days
        roll = f.rng.random()
        if (age_days > 20 and roll < 0.75) or (age_days > 5 and roll < 0.3):
            paid_at = f.moment_between(created_at, min(plan.end, created_at + timedelta(days=60)))
            full = f.chance(0.85)
            amount = (
                invoice["totalAmount"] if full else round(invoice["totalAmount"] * f.rng.uniform(0.2, 0.8), 2)
            )
            payment_id = ctx.ids.new("0rp")
            pay_date = format_date(paid_at)
            charged = customer.get("authorizedToCharge") and f.chance(0.5)
            invoice["payments"].append(
                {"id": payment_id, "amount": amount, "status": "PAID", "date": pay_date}
            )
            derive_invoice(ctx, invoice)
            stamp = format_timestamp(paid_at)
            payments.append(
                build_received_payment(
                    ctx,
                    {
                        "id": payment_id,
                        "customerId": customer["id"],
                        "amount": amount,
                        "paymentDate": pay_date,
                        "invoicePayments": [
                            {"invoiceId": invoice["id"], "amount": amount, "paymentDate": pay_date}
                        ],
                        "description": f"Payment for {invoice['invoiceNumber']}",
                        "receivablesType": "WALLET"
                        if charged
                        else f.choice(("WALLET", "CREDIT_CARD", "OFFLINE")),
                        "paymentType": "ACH" if charged else f.choice(("ACH", "CHECK", "CREDIT_CARD")),
                        "onlinePayment": bool(charged),
                        "createdTime": stamp,
                        "updatedTime": stamp,
                    },
                )
            )
            updated_at = paid_at
        if f.chance(0.03):
            invoice["archived"] = True
            updated_at = f.moment_between(updated_at, plan.end)
        derive_invoice(ctx, invoice)
        invoice["updatedTime"] = format_timestamp(updated_at)
        if not invoice["archived"]:
            balances[customer["id"]] += invoice["dueAmount"]
        invoices.append(invoice)
        if len(invoices) >= 5000:
            ctx.store.insert_many("invoices", ctx.scope, invoices)
            invoices.clear()
    ctx.store.insert_many("invoices", ctx.scope, invoices)
    ctx.store.insert_many("receivable_payments", ctx.scope, payments)
    for customer in customers:
        customer["balance"] = {"amount": round(balances[customer["id"]], 2)}
        ctx.store.replace("customers", customer)
