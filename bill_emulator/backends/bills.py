"""Bills (BILL's AP workflow): create, bulk create, replace, update, archive, and approve. Amounts always
agree: amount = Σ line amounts, dueAmount = amount - paidAmount - creditAmount, and paymentStatus follows.
Approval policies are approvals.py's, documents documents.py's, payments payments.py's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bill_emulator.backends import approvals, generic, vendors
from bill_emulator.backends import documents as documents_
from bill_emulator.backends.context import Context
from bill_emulator.backends.line_items import (
    EMPTY,
    LineItemFamily,
    LineSpec,
    build_line,
    classifications_of,
    document_fields,
    take_classifications,
    take_lines,
)
from bill_emulator.backends.vendors import VENDORS
from bill_emulator.errors import invalid_body, unprocessable
from bill_emulator.resources import EQ_IN, EQ_NE_IN, RANGE, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import (
    day,
    json_object,
    objects,
    reject_unknown,
    required_id,
    text,
)

PREFIX = "00n"
LINE_PREFIX = "0bl"
MAX_BULK = 100


BILL_LINE = LineSpec(
    LINE_PREFIX,
    (
        "chartOfAccountId",
        "accountingClassId",
        "departmentId",
        "employeeId",
        "jobId",
        "locationId",
        "itemId",
        "customerId",
    ),
    priced=True,
)
BILL_CLASSIFICATIONS = ("chartOfAccountId", "accountingClassId", "departmentId", "locationId", "itemId")


def build_bill(
    ctx: Context, data: dict[str, Any], new_id: Callable[[str], str] | None = None
) -> dict[str, Any]:
    make = new_id or ctx.ids.new
    invoice = data.get("invoice") or EMPTY
    obj: dict[str, Any] = {
        "id": data["id"],
        "archived": bool(data.get("archived", False)),
        "vendorId": data.get("vendorId", ""),
        "vendorName": data.get("vendorName", ""),
        "fundingAmount": 0.0,
        "amount": 0.0,
        "paidAmount": float(data.get("paidAmount", 0.0)),
        "dueAmount": 0.0,
        "scheduledAmount": float(data.get("scheduledAmount", 0.0)),
        "creditAmount": float(data.get("creditAmount", 0.0)),
        "exchangeRate": float(data.get("exchangeRate", 1.0)),
        "description": data.get("description", ""),
        "dueDate": data.get("dueDate") or data["createdTime"][:10],
        "invoice": {
            "invoiceDate": invoice.get("invoiceDate") or data["createdTime"][:10],
            "invoiceNumber": invoice.get("invoiceNumber") or "",
        },
        "billLineItems": [build_line(BILL_LINE, line, make) for line in data.get("billLineItems", [])],
        "payFromChartOfAccountId": data.get("payFromChartOfAccountId"),
        "paymentStatus": "UNPAID",
        "approvalStatus": data.get("approvalStatus", "UNASSIGNED"),
        "approvers": list(data.get("approvers", [])),
        "classifications": classifications_of(data, BILL_CLASSIFICATIONS),
        "purchaseOrderNumber": data.get("purchaseOrderNumber", ""),
        "recordStatus": "ACTIVE",
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
    }
    derive_bill(ctx, obj)
    return obj


def derive_bill(ctx: Context, obj: dict[str, Any]) -> None:
    """Totals, due amount and payment status follow from the lines, payments and credits."""
    total = 0.0
    for line in obj["billLineItems"]:
        total += line["amount"]
    amount = obj["amount"] = round(total, 2)
    obj["fundingAmount"] = round(amount * obj["exchangeRate"], 2)
    paid = obj["paidAmount"] = round(obj["paidAmount"], 2)
    credit = obj["creditAmount"] = round(obj["creditAmount"], 2)
    scheduled = obj["scheduledAmount"] = round(obj["scheduledAmount"], 2)
    due = obj["dueAmount"] = max(round(amount - paid - credit, 2), 0.0)
    if amount > 0 and due == 0:
        obj["paymentStatus"] = "PAID"
    elif scheduled > 0:
        obj["paymentStatus"] = "SCHEDULED"
    elif paid > 0 or credit > 0:
        obj["paymentStatus"] = "PARTIAL"
    else:
        obj["paymentStatus"] = "UNPAID"
    obj["recordStatus"] = "INACTIVE" if obj["archived"] else "ACTIVE"


_BILL_FIELDS = frozenset(
    {
        "vendorId",
        "dueDate",
        "invoice",
        "billLineItems",
        "description",
        "payFromChartOfAccountId",
        "classifications",
        "purchaseOrderNumber",
    }
)


def validate_bill(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None, replace: bool
) -> dict[str, Any]:
    fields = document_fields(body, _BILL_FIELDS, ("vendorId", "dueDate", "invoice", "billLineItems"), replace)
    if "vendorId" in body:
        vendor = vendors.get_vendor(ctx, required_id(body, "vendorId"))
        if vendor["archived"] and (existing is None or existing["vendorId"] != vendor["id"]):
            raise unprocessable(f"Vendor {vendor['id']} is archived.")
        fields.update(
            vendorId=vendor["id"],
            vendorName=vendor["name"],
            exchangeRate=vendors.USD_PER_UNIT.get(vendor["billCurrency"], 1.0),
        )
    if "dueDate" in body:
        fields["dueDate"] = day(body["dueDate"], "dueDate")
    if "invoice" in body:
        invoice = body["invoice"]
        json_object(invoice, "invoice")
        reject_unknown(invoice, {"invoiceNumber", "invoiceDate"})
        number = invoice.get("invoiceNumber")
        if not isinstance(number, str) or not number.strip() or len(number) > 100:
            raise invalid_body("invoice.invoiceNumber: must be 1 to 100 characters")
        fields["invoice"] = {
            "invoiceNumber": number,
            "invoiceDate": day(invoice["invoiceDate"], "invoice.invoiceDate")
            if invoice.get("invoiceDate")
            else (existing or EMPTY).get("invoice", EMPTY).get("invoiceDate") or ctx.now()[:10],
        }
    take_lines(body, fields, "billLineItems", BILL_LINE)
    for key in ("description", "purchaseOrderNumber"):
        if key in body:
            fields[key] = text(body, key)
    if "payFromChartOfAccountId" in body:
        fields["payFromChartOfAccountId"] = body["payFromChartOfAccountId"]
    take_classifications(body, fields, BILL_CLASSIFICATIONS)
    return fields


def check_bill(ctx: Context, bill: dict[str, Any], existing: dict[str, Any] | None) -> None:
    if bill["amount"] <= 0:
        raise invalid_body("billLineItems: the bill amount must be greater than zero")
    committed = round(bill["paidAmount"] + bill["creditAmount"] + bill["scheduledAmount"], 2)
    if bill["amount"] + 1e-9 < committed:
        raise unprocessable(
            f"Bill amount {bill['amount']:.2f} is less than the {committed:.2f} already paid, credited or scheduled."
        )
    if existing and existing["vendorId"] != bill["vendorId"] and committed > 0:
        raise unprocessable("The vendor of a bill with payments or credits cannot be changed.")
    number = bill["invoice"]["invoiceNumber"]
    if existing is None or (number, bill["vendorId"]) != (
        existing["invoice"]["invoiceNumber"],
        existing["vendorId"],
    ):
        clash = ctx.store.execute(
            "SELECT id FROM records WHERE kind = 'bills' AND scope = ? AND archived = 0"
            " AND json_extract(body, '$.vendorId') = ? AND json_extract(body, '$.invoice.invoiceNumber') = ?"
            " AND id != ? LIMIT 1",
            (ctx.scope, bill["vendorId"], number, bill["id"]),
        )
        if clash:
            raise unprocessable(
                f"Invoice number {number} already exists for this vendor. Enter a unique invoice number."
            )


def refresh_vendor_balance(ctx: Context, vendor_id: str) -> None:
    """A vendor's balance is what its active bills still owe."""
    row = ctx.store.get("vendors", vendor_id)
    if row is None:
        return
    owed = ctx.store.execute(
        "SELECT ifnull(sum(json_extract(body, '$.dueAmount')), 0) FROM records WHERE kind = 'bills'"
        " AND scope = ? AND archived = 0 AND json_extract(body, '$.vendorId') = ?",
        (ctx.scope, vendor_id),
    )[0][0]
    vendor = row.body
    if round(owed, 2) != vendor["balance"]["amount"]:
        vendor["balance"] = {"amount": round(owed, 2), "lastUpdatedDate": ctx.now()}
        generic.save(ctx, VENDORS, vendor)


def _bill_written(ctx: Context, bill: dict[str, Any], old: dict[str, Any] | None) -> None:
    refresh_vendor_balance(ctx, bill["vendorId"])
    if old and old["vendorId"] != bill["vendorId"]:
        refresh_vendor_balance(ctx, old["vendorId"])


BILLS = register(
    Resource(
        "bills",
        "Bill",
        PREFIX,
        build_bill,
        derive=derive_bill,
        filters=base_filters(
            vendorId=Field("string", EQ_IN),
            dueDate=Field("date", RANGE),
            paymentStatus=Field("string", EQ_NE_IN),
            payFromChartOfAccountId=Field("string", EQ_NE_IN),
            **{f"classifications.{key}": Field("string", EQ_NE_IN) for key in BILL_CLASSIFICATIONS},
        ),
        sorts=frozenset(
            {
                "archived",
                "fundingAmount",
                "exchangeRate",
                "description",
                "dueDate",
                "createdTime",
                "updatedTime",
            }
        ),
    )
)
BILL_FAMILY = LineItemFamily(
    BILLS,
    "billLineItems",
    BILL_LINE,
    validate_bill,
    bulk_key=None,
    max_bulk=MAX_BULK,
    on_create=approvals.assign_approvers,
    check=check_bill,
    after_write=_bill_written,
)


def get_bill(ctx: Context, bill_id: str) -> dict[str, Any]:
    return generic.get(ctx, BILLS, bill_id)


def save_bill(ctx: Context, bill: dict[str, Any]) -> dict[str, Any]:
    """Store a bill changed by payments or credits (derived fields recomputed)."""
    return generic.save(ctx, BILLS, bill)


# -- approval actions -----------------------------------------------------------------------------
def approval_actions(ctx: Context, body: Any) -> dict[str, Any]:
    """[{billId, action: APPROVE|DENY, comment}]: the signed-in user acts on bills waiting for them."""
    items = objects(body, "Request body must be a non-empty JSON array of approval actions.")
    for item in items:
        reject_unknown(item, {"billId", "action", "comment"})
        if item.get("action") not in ("APPROVE", "DENY"):
            raise invalid_body("action: must be APPROVE or DENY")
        if "comment" in item and not isinstance(item["comment"], str):
            raise invalid_body("comment: must be a string")
        bill = get_bill(ctx, str(item.get("billId") or ""))
        approver = approvals.next_approver(bill)
        if approver is None or approver["userId"] != ctx.user_id:
            raise unprocessable(f"Bill {bill['id']} is not pending your approval.")
        approvals.decide(bill, approver, item["action"], ctx.now())
        save_bill(ctx, bill)
    return {"status": "SUCCESS"}


# -- seed -----------------------------------------------------------------------------------------
_BILL_ITEMS = (
    "Office supplies",
    "Cloud hosting",
    "Freight",
    "Legal services",
    "Printer lease",
    "Janitorial services",
    "Raw materials",
    "Software subscription",
    "Contractor hours",
    "Utilities",
    "Marketing services",
    "Equipment repair",
)
BILLS_PER_INVOICE = 0.8  # the seed's bill count, relative to the invoice count
_TERMS = (15, 30, 30, 30, 45, 60)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def seed_bills(
    plan: SeedPlan, new_id: Callable[[str], str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Bills over the history window (about 0.8 times the invoices), with their approvals and documents;
    not stored yet (ap_history.py pays and credits them first)."""
    ctx, f = plan.ctx, plan.ctx.fake
    by_id: dict[str, dict[str, Any]] = plan.extra["vendors"]
    created_at_of: dict[str, Any] = plan.extra["vendor_created"]
    accounts = plan.refs.get("chart_of_accounts") or [None]
    admin = ctx.user_id
    policy = approvals.seed_policy(ctx, plan, admin)
    vendor_list = list(by_id.values())
    bills: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    rng, end = f.rng, plan.end
    no_line_class = dict.fromkeys(BILL_LINE.classifications)
    no_class = dict.fromkeys(BILL_CLASSIFICATIONS)
    items = len(_BILL_ITEMS)
    for number in range(1, plan.scaled(BILLS_PER_INVOICE) + 1):
        vendor = vendor_list[int(rng.random() * len(vendor_list))]
        start = max(plan.start, created_at_of[vendor["id"]])
        created_at = start + (end - start) * rng.random()
        created = format_timestamp(created_at)
        invoice_day = created_at.date() - timedelta(days=int(rng.random() * 6))
        lines = []
        for _ in range(1 + int(rng.random() * 3)):
            description = _BILL_ITEMS[int(rng.random() * items)]
            if rng.random() < 0.3:
                quantity, price = float(2 + int(rng.random() * 9)), round(5 + rng.random() * 395, 2)
                amount = round(price * quantity, 2)
            else:
                amount = round(25 + rng.random() * 2475, 2)
                quantity, price = 1.0, amount
            lines.append(
                {
                    "id": new_id(LINE_PREFIX),
                    "description": description,
                    "amount": amount,
                    "price": price,
                    "quantity": quantity,
                    "classifications": {
                        **no_line_class,
                        "chartOfAccountId": accounts[int(rng.random() * len(accounts))],
                    },
                }
            )
        bill = {
            "id": new_id(PREFIX),
            "archived": False,
            "vendorId": vendor["id"],
            "vendorName": vendor["name"],
            "fundingAmount": 0.0,
            "amount": 0.0,
            "paidAmount": 0.0,
            "dueAmount": 0.0,
            "scheduledAmount": 0.0,
            "creditAmount": 0.0,
            "exchangeRate": vendors.USD_PER_UNIT.get(vendor["billCurrency"], 1.0),
            "description": f"{lines[0]['description']} for {_MONTHS[invoice_day.month - 1]} {invoice_day.year}",
            "dueDate": (invoice_day + timedelta(days=_TERMS[int(rng.random() * len(_TERMS))])).isoformat(),
            "invoice": {
                "invoiceDate": invoice_day.isoformat(),
                "invoiceNumber": f"{vendor['name'][:3].upper()}-{number:06d}",
            },
            "billLineItems": lines,
            "payFromChartOfAccountId": None,
            "paymentStatus": "UNPAID",
            "approvalStatus": "UNASSIGNED",
            "approvers": [],
            "classifications": dict(no_class),
            "purchaseOrderNumber": f"PO-{number:06d}" if rng.random() < 0.2 else "",
            "recordStatus": "ACTIVE",
            "createdTime": created,
            "updatedTime": created,
        }
        derive_bill(ctx, bill)
        bill["_created_at"] = created_at
        if bill["amount"] >= approvals.APPROVAL_THRESHOLD and created > policy["createdTime"]:
            approvals.seed_approval(plan, bill, admin, created_at)
        if rng.random() < 0.1:
            doc_at = created_at + timedelta(seconds=rng.random() * 7200)
            doc = documents_.build_document(
                new_id(documents_.DOCUMENT_PREFIX),
                f"{bill['invoice']['invoiceNumber']}.pdf",
                format_timestamp(min(doc_at, end)),
            )
            doc["_parent"] = bill["id"]
            documents.append(doc)
        bills.append(bill)
    return bills, documents
