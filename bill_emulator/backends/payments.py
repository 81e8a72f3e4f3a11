"""AP payments (`/v3/payments`): pay bills online (MFA-trusted sessions only), record offline payments,
cancel, void, check images, payment options and exchange rates. Payments move their bills' amounts:
scheduled → `scheduledAmount`, processed → `paidAmount`; cancel and void give them back."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from bill_emulator.backends import approvals, bills, credits, generic, vendors
from bill_emulator.backends.context import Context
from bill_emulator.backends.funding import funding_banks
from bill_emulator.backends.mfa import require_trusted
from bill_emulator.errors import BillApiError, invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.resources import Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_date, format_timestamp
from bill_emulator.validation import (
    body_object,
    boolean,
    classification_ids,
    day,
    json_object,
    money,
    objects,
    reject_unknown,
)

PREFIX = "stp"
BILL_PAYMENT_PREFIX = "blp"
MAX_BULK = 50
FUNDING_TYPES = ("BANK_ACCOUNT", "CARD_ACCOUNT", "AP_CARD", "WALLET")
VOID_TYPES = ("VOID_ONLY", "VOID_AND_CREDIT", "VOID_AND_REISSUE", "VOID_AND_REISSUE_VCARD")
CHECK_DELIVERY = {"STANDARD": 5, "UPS_2DAY": 2, "UPS_1DAY": 1, "RTP_DELIVERY": 0}
_ARRIVAL_DAYS = {"ACH": 3, "RPPS": 2, "INTERNATIONAL": 3, "VIRTUAL_CARD": 1, "WALLET": 1}
_RAILS = {
    "CHECK": "checkDisbursement",
    "ACH": "achDisbursement",
    "RPPS": "rppsDisbursement",
    "INTERNATIONAL": "internationalDisbursement",
    "VIRTUAL_CARD": "vcardDisbursement",
    "WALLET": "walletDisbursement",
}
_NO_RAILS = dict.fromkeys(_RAILS.values())
CHECK_IMAGE_HOST = "https://gateway.stage.bill.com/connect"


def _today(ctx: Context) -> date:
    """The emulator clock's UTC date: process dates and settlement count in it."""
    return ctx.clock.utcnow().date()


def add_business_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


# -- the payment object ---------------------------------------------------------------------------
def disbursement_type(vendor: dict[str, Any]) -> str:
    """How BILL delivers an online payment to this vendor."""
    info = vendor["paymentInformation"]
    if vendor["networkStatus"] == "CONNECTED_RPPS":
        return "RPPS"
    if vendor["billCurrency"] != "USD":
        return "INTERNATIONAL"
    if info["virtualCard"]["status"] == "ENROLLED":
        return "VIRTUAL_CARD"
    if info.get("bankAccount"):
        return "ACH"
    if vendor["networkStatus"] == "CONNECTED":
        return "WALLET"
    return "CHECK"


def arrival_days(kind: str, options: dict[str, Any]) -> int:
    if kind == "CHECK":
        return CHECK_DELIVERY.get(options.get("requestCheckDeliveryType") or "STANDARD", 5)
    if kind == "ACH" and options.get("requestPayFaster"):
        return 1
    return _ARRIVAL_DAYS.get(kind, 0)


def _disbursement_info(payment: dict[str, Any], sub_type: str) -> dict[str, Any]:
    kind, status = payment["disbursementType"], payment["status"]
    info: dict[str, Any] = {"isVoidable": status == "PAID" and payment["onlinePayment"], **_NO_RAILS}
    if kind not in _RAILS or status == "CANCELLED":
        return info
    process = date.fromisoformat(payment["processDate"])
    sent = payment["processDate"] if status in ("PAID", "VOID") else None
    arrives = add_business_days(process, arrival_days(kind, payment["processingOptions"])).isoformat()
    seed = zlib.crc32(payment["id"].encode())
    rail: dict[str, Any] = {"sentDate": sent, "arrivesByDate": arrives}
    if kind == "CHECK":
        rail["checkNumber"] = 1000 + seed % 9000
    elif kind == "RPPS":
        rail.update(traceNumber=seed % 10**9, batchNumber=seed % 10**4)
    elif kind == "INTERNATIONAL":
        rail.update(amount=payment["amount"], disbursementSubType=sub_type if sub_type != "NONE" else "IACH")
    elif kind == "VIRTUAL_CARD":
        rail = {
            "arrivesByDate": arrives,
            "validUntil": (process + timedelta(days=30)).isoformat(),
            "last4CardNumber": f"{seed % 10000:04d}",
        }
    elif kind == "WALLET":
        rail = {"arrivesByDate": arrives}
    info[_RAILS[kind]] = rail
    return info


def set_status(payment: dict[str, Any], status: str, sub_type: str = "NONE") -> None:
    """status → singleStatus, disbursementStatus and the per-rail disbursement details."""
    online = payment["onlinePayment"]
    single, disbursement = {
        "SCHEDULED": ("SCHEDULED", "UNDEFINED"),
        "PAID": ("CLEARED", "DONE"),
        "CANCELLED": ("CANCELLED", "UNDEFINED"),
        "VOID": ("VOID_PENDING" if online else "UNDEFINED", "DONE" if online else "UNDEFINED"),
    }[status]
    payment.update(status=status, singleStatus=single, disbursementStatus=disbursement)
    payment["cancelRequestSubmitted"] = status == "CANCELLED"
    payment["disbursementInfo"] = _disbursement_info(payment, sub_type)


def build_payment(ctx: Context, data: dict[str, Any], new_id: Any = None) -> dict[str, Any]:
    """A complete payment; `data` carries vendor, billPayments, processDate, status and options."""
    make = new_id or ctx.ids.new
    vendor = data["vendor"]
    bill_payments = [
        {
            "id": make(BILL_PAYMENT_PREFIX),
            "billId": item["billId"],
            "amount": round(item["amount"], 2),
            "vendorCredits": list(item.get("vendorCredits") or []),
        }
        for item in data["billPayments"]
    ]
    amount = float(round(sum(item["amount"] for item in bill_payments), 2))
    rate = vendors.USD_PER_UNIT.get(vendor["billCurrency"], 1.0)
    online = bool(data.get("onlinePayment", True))
    seed = zlib.crc32(data["id"].encode())
    options = {"requestPayFaster": False, "createBill": False, "requestCheckDeliveryType": "STANDARD"}
    options.update(data.get("processingOptions") or {})
    payment: dict[str, Any] = {
        "id": data["id"],
        "amount": amount,
        "vendorId": vendor["id"],
        "vendorName": vendor["name"],
        "billId": bill_payments[0]["billId"] if len(bill_payments) == 1 else None,
        "billPayments": bill_payments,
        "description": data.get("description", ""),
        "processDate": data["processDate"],
        "fundingAccount": data.get("fundingAccount") or {"type": "BANK_ACCOUNT", "id": None},
        "processingOptions": options,
        "transactionNumber": f"{seed % 10**10:010d}" if online else "",
        "confirmationNumber": f"P{data['processDate'][2:].replace('-', '')}{seed % 10**6:06d}"
        if online
        else "",
        "status": "SCHEDULED",
        "exchangeRate": rate,
        "fundingAmount": round(amount * rate, 2),
        "onlinePayment": online,
        "disbursementType": data.get("disbursementType")
        or (disbursement_type(vendor) if online else "OFFLINE"),
        "remittanceEmail": vendor["paymentInformation"].get("email") or vendor["email"],
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "createdBy": data.get("createdBy") or ctx.user_id,
        "voidInfo": list(data.get("voidInfo") or []),
        "disbursementStatus": "UNDEFINED",
        "disbursementInfo": {},
        "paymentPurpose": vendor["paymentInformation"].get("paymentPurpose"),
        "cardFundingPurpose": None,
        "cancelRequestSubmitted": False,
        "singleStatus": "SCHEDULED",
        "toPrintCheck": bool(data.get("toPrintCheck", False)),
        "classifications": {"chartOfAccountId": data.get("chartOfAccountId")},
        "syncReference": None,
        "allowExport": True,
    }
    set_status(payment, data.get("status", "SCHEDULED"), vendor["paymentInformation"]["payBySubType"])
    return payment


PAYMENTS = register(
    Resource(
        "payments",
        "Payment",
        PREFIX,
        lambda ctx, data: data,
        filters=base_filters(),
        sorts=frozenset(
            {
                "description",
                "processDate",
                "amount",
                "confirmationNumber",
                "onlinePayment",
                "createdTime",
                "updatedTime",
                "disbursementStatus",
            }
        ),
    )
)


def save_payment(ctx: Context, payment: dict[str, Any]) -> None:
    generic.save(ctx, PAYMENTS, payment)


# -- moving bill amounts --------------------------------------------------------------------------
def _apply(ctx: Context, payment: dict[str, Any], field: str, sign: int) -> None:
    """Add (sign 1) or take back (sign -1) a payment's amounts on its bills and refresh the vendor."""
    for item in payment["billPayments"]:
        bill = bills.get_bill(ctx, item["billId"])
        bill[field] = round(bill[field] + sign * item["amount"], 2)
        credit = round(sum(c["amount"] for c in item["vendorCredits"]), 2)
        if credit and field == "paidAmount":
            bill["creditAmount"] = round(bill["creditAmount"] + sign * credit, 2)
        bills.save_bill(ctx, bill)
    if sign < 0 and field == "paidAmount":
        _release_credits(ctx, payment)
    bills.refresh_vendor_balance(ctx, payment["vendorId"])


def _release_credits(ctx: Context, payment: dict[str, Any]) -> None:
    for item in payment["billPayments"]:
        for used in item["vendorCredits"]:
            credits.release_vendor_credit(ctx, used["id"], payment["id"])


def _mark_paid_date(ctx: Context, vendor_id: str, process_date: str) -> None:
    vendor = vendors.get_vendor(ctx, vendor_id)
    info = vendor["paymentInformation"]
    if (info.get("lastPaymentDate") or "") < process_date:
        info["lastPaymentDate"] = process_date
        generic.save(ctx, vendors.VENDORS, vendor)


def settle_due_payments(ctx: Context) -> None:
    """Scheduled payments whose process date has passed are processed (once per emulator-clock day)."""
    key = f"ap-settled:{ctx.scope}"
    day = format_date(_today(ctx))
    if (ctx.store.meta(key) or "") >= day:
        return
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'payments' AND scope = ?"
        " AND json_extract(body, '$.status') = 'SCHEDULED' AND json_extract(body, '$.processDate') < ?",
        (ctx.scope, day),
    )
    for (raw,) in rows:
        payment = orjson.loads(raw)
        vendor = vendors.get_vendor(ctx, payment["vendorId"])
        for item in payment["billPayments"]:
            bill = bills.get_bill(ctx, item["billId"])
            bill["scheduledAmount"] = max(round(bill["scheduledAmount"] - item["amount"], 2), 0.0)
            bill["paidAmount"] = round(bill["paidAmount"] + item["amount"], 2)
            bills.save_bill(ctx, bill)
        set_status(payment, "PAID", vendor["paymentInformation"]["payBySubType"])
        save_payment(ctx, payment)
        bills.refresh_vendor_balance(ctx, payment["vendorId"])
        _mark_paid_date(ctx, payment["vendorId"], payment["processDate"])
    ctx.store.set_meta(key, day)


# -- funding accounts -----------------------------------------------------------------------------
def _funding_account(ctx: Context, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_body("fundingAccount: must be an object with type and id")
    reject_unknown(value, {"type", "id"})
    if value.get("type") not in FUNDING_TYPES:
        raise invalid_body(f"fundingAccount.type: must be one of {', '.join(FUNDING_TYPES)}")
    if not isinstance(value.get("id"), str) or not value["id"]:
        raise invalid_body("fundingAccount.id: must not be blank")
    if value["type"] == "BANK_ACCOUNT" and ctx.store.count("bank_accounts", ctx.scope):
        banks = {b["id"]: b for b in funding_banks(ctx)}
        if value["id"] not in banks:
            raise not_found("Bank account", value["id"])
        if not banks[value["id"]]["verified"]:
            raise unprocessable("The funding bank account is not verified.")
    return {"type": value["type"], "id": value["id"]}


def earliest_process_date(ctx: Context, vendor: dict[str, Any], kind: str) -> tuple[date, list[str]]:
    """Today, or 2 business days after a new vendor bank account was added (BILL verifies it first)."""
    earliest = _today(ctx)
    while earliest.weekday() >= 5:
        earliest += timedelta(days=1)
    conditions: list[str] = []
    if kind in ("ACH", "INTERNATIONAL"):
        added = vendors.bank_account_added(ctx, vendor["id"])
        if added:
            verified = add_business_days(date.fromisoformat(added[:10]), 2)
            if verified > earliest:
                earliest = verified
                conditions.append("VENDOR_BANK_ACCOUNT_VERIFICATION")
    return earliest, conditions


# -- create -----------------------------------------------------------------------------------------
# BILL's scheduling horizon is undocumented; a date so late that its arrival date falls off the
# calendar is certainly refused as an invalid process date.
_LAST_PROCESS_DATE = date.max - timedelta(days=31)
_PAYMENT_FIELDS = frozenset(
    {
        "vendorId",
        "billId",
        "processDate",
        "fundingAccount",
        "amount",
        "processingOptions",
        "description",
        "paymentPurpose",
    }
)


def _options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    json_object(value, "processingOptions")
    reject_unknown(value, {"requestPayFaster", "createBill", "requestCheckDeliveryType"})
    for key in ("requestPayFaster", "createBill"):
        if key in value:
            boolean(value[key], f"processingOptions.{key}")
    delivery = value.get("requestCheckDeliveryType", "STANDARD")
    if not isinstance(delivery, str) or delivery not in CHECK_DELIVERY:
        raise invalid_body(
            f"processingOptions.requestCheckDeliveryType: must be one of {', '.join(CHECK_DELIVERY)}"
        )
    return value


def _payable_bill(ctx: Context, bill_id: Any, vendor_id: str | None, amount: float) -> dict[str, Any]:
    if not isinstance(bill_id, str) or not bill_id:
        raise invalid_body("billId: must not be blank")
    bill = bills.get_bill(ctx, bill_id)
    if vendor_id and bill["vendorId"] != vendor_id:
        raise invalid_body(f"Bill {bill_id} does not belong to vendor {vendor_id}.")
    if bill["archived"]:
        raise unprocessable(f"Bill {bill_id} is archived.")
    if not approvals.approvable(bill):
        raise unprocessable(
            f"Bill {bill_id} is not approved for payment (approvalStatus {bill['approvalStatus']})."
        )
    open_amount = round(bill["dueAmount"] - bill["scheduledAmount"], 2)
    if amount <= 0:
        raise invalid_body("amount: must be greater than zero")
    if amount > open_amount + 1e-9:
        raise unprocessable(
            f"Amount {amount:.2f} exceeds the {open_amount:.2f} left to pay on bill {bill_id}."
        )
    return bill


def _schedule(
    ctx: Context,
    vendor: dict[str, Any],
    allocations: list[tuple[dict[str, Any], float]],
    process_date: Any,
    funding: dict[str, Any],
    options: dict[str, Any],
    description: str,
) -> dict[str, Any]:
    """Create one online payment for bills of one vendor: validate the date, move scheduledAmount."""
    if vendor["archived"]:
        raise unprocessable(f"Vendor {vendor['id']} is archived.")
    process = date.fromisoformat(day(process_date, "processDate"))
    kind = disbursement_type(vendor)
    if kind == "CHECK" and not vendor["address"].get("line1"):
        raise unprocessable("The vendor needs an address (or a bank account) before BILL can pay it.")
    earliest, _conditions = earliest_process_date(ctx, vendor, kind)
    if process < earliest:
        raise BillApiError(
            "BDC_1152", f"Invalid Process Date : {process.isoformat()}. Use {earliest.isoformat()} or later."
        )
    if process > _LAST_PROCESS_DATE:
        raise BillApiError("BDC_1152", f"Invalid Process Date : {process.isoformat()}.")
    now = ctx.now()
    payment = build_payment(
        ctx,
        {
            "id": ctx.ids.new(PREFIX),
            "vendor": vendor,
            "billPayments": [{"billId": bill["id"], "amount": amount} for bill, amount in allocations],
            "processDate": process.isoformat(),
            "fundingAccount": funding,
            "processingOptions": options,
            "description": description,
            "status": "SCHEDULED",
            "createdTime": now,
            "updatedTime": now,
        },
    )
    ctx.store.insert("payments", ctx.scope, payment)
    _apply(ctx, payment, "scheduledAmount", 1)
    return payment


def create_payment(ctx: Context, body: Any) -> dict[str, Any]:
    """Pay one bill (or, with createBill, a new one) online. Needs an MFA-trusted session."""
    require_trusted(ctx)
    body = body_object(body)
    reject_unknown(body, _PAYMENT_FIELDS)
    options = _options(body.get("processingOptions"))
    amount = money(body.get("amount"), "amount")
    funding = _funding_account(ctx, body.get("fundingAccount"))
    if "processDate" not in body:
        raise invalid_body("processDate: must not be null")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise invalid_body("description: must be a string")
    if options.get("createBill"):
        if body.get("billId"):
            raise invalid_body("billId: leave it out when processingOptions.createBill is true")
        if not body.get("vendorId"):
            raise invalid_body("vendorId: must not be blank when processingOptions.createBill is true")
        bill = bills.BILL_FAMILY.create(
            ctx,
            {
                "vendorId": body["vendorId"],
                "dueDate": str(body["processDate"]),
                "invoice": {"invoiceNumber": f"PMT-{ctx.ids.new(PREFIX)[5:13].upper()}"},
                "billLineItems": [{"amount": amount, "description": description or "Payment"}],
            },
        )
        body = {**body, "billId": bill["id"]}
    vendor_id = body.get("vendorId")
    bill = _payable_bill(ctx, body.get("billId"), vendor_id, amount)
    vendor = vendors.get_vendor(ctx, bill["vendorId"])
    return _schedule(ctx, vendor, [(bill, amount)], body["processDate"], funding, options, description)


def create_bulk_payment(ctx: Context, body: Any) -> dict[str, Any]:
    """Up to 50 bills, one payment each, all or none. Needs an MFA-trusted session."""
    require_trusted(ctx)
    body = body_object(body)
    reject_unknown(
        body, {"vendorId", "processDate", "fundingAccount", "payments", "processingOptions", "description"}
    )
    funding = _funding_account(ctx, body.get("fundingAccount"))
    options = _options(body.get("processingOptions"))
    items = objects(body.get("payments"), "payments: must contain at least one bill payment")
    if len(items) > MAX_BULK:
        raise invalid_body(f"payments: you can pay up to {MAX_BULK} bills with one request")
    if "processDate" not in body:
        raise invalid_body("processDate: must not be null")
    created = []
    for item in items:
        reject_unknown(item, {"billId", "amount"})
        amount = money(item.get("amount"), "payments.amount")
        bill = _payable_bill(ctx, item.get("billId"), body.get("vendorId"), amount)
        vendor = vendors.get_vendor(ctx, bill["vendorId"])
        created.append(
            _schedule(
                ctx,
                vendor,
                [(bill, amount)],
                body["processDate"],
                funding,
                options,
                str(body.get("description", "")),
            )
        )
    return {"payments": created}


def record_payment(ctx: Context, body: Any) -> dict[str, Any]:
    """An offline payment (paid outside BILL) applied to a vendor's bills (POST /v3/bills/record-payment)."""
    body = body_object(body)
    reject_unknown(
        body, {"vendorId", "processDate", "toPrintCheck", "payments", "description", "classifications"}
    )
    if not isinstance(body.get("vendorId"), str) or not body["vendorId"]:
        raise invalid_body("vendorId: must not be blank")
    vendor = vendors.get_vendor(ctx, body["vendorId"])
    items = objects(body.get("payments"), "payments: must contain at least one bill payment")
    if "toPrintCheck" in body:
        boolean(body["toPrintCheck"], "toPrintCheck")
    process = day(body.get("processDate") or ctx.now()[:10], "processDate")
    chart = classification_ids(("chartOfAccountId",), body.get("classifications"), "classifications")
    allocations = []
    for item in items:
        reject_unknown(item, {"billId", "amount"})
        amount = money(item.get("amount"), "payments.amount")
        if amount <= 0:
            raise invalid_body("payments.amount: must be greater than zero")
        bill_id = item.get("billId")
        bill = bills.get_bill(ctx, str(bill_id or ""))
        if bill["vendorId"] != vendor["id"]:
            raise invalid_body(f"Bill {bill['id']} does not belong to vendor {vendor['id']}.")
        if bill["archived"]:
            raise unprocessable(f"Bill {bill['id']} is archived.")
        if amount > round(bill["dueAmount"] - bill["scheduledAmount"], 2) + 1e-9:
            raise unprocessable(f"Amount {amount:.2f} exceeds the amount due on bill {bill['id']}.")
        allocations.append((bill, amount))
    now = ctx.now()
    payment = build_payment(
        ctx,
        {
            "id": ctx.ids.new(PREFIX),
            "vendor": vendor,
            "billPayments": [{"billId": b["id"], "amount": a} for b, a in allocations],
            "processDate": process,
            "description": body.get("description", ""),
            "status": "PAID",
            "onlinePayment": False,
            "toPrintCheck": body.get("toPrintCheck", False),
            "chartOfAccountId": chart["chartOfAccountId"],
            "createdTime": now,
            "updatedTime": now,
        },
    )
    ctx.store.insert("payments", ctx.scope, payment)
    _apply(ctx, payment, "paidAmount", 1)
    _mark_paid_date(ctx, vendor["id"], process)
    return payment


# -- reads and changes -----------------------------------------------------------------------------
def get_payment(ctx: Context, payment_id: str) -> dict[str, Any]:
    return generic.get(ctx, PAYMENTS, payment_id)


def cancel_payment(ctx: Context, payment_id: str) -> dict[str, Any]:
    """Only a payment BILL has not started processing (singleStatus SCHEDULED) can be canceled."""
    settle_due_payments(ctx)
    payment = get_payment(ctx, payment_id)
    if payment["singleStatus"] != "SCHEDULED":
        raise unprocessable(
            f"Payment {payment['id']} cannot be canceled (singleStatus {payment['singleStatus']}). Void it instead."
        )
    _apply(ctx, payment, "scheduledAmount", -1)
    set_status(payment, "CANCELLED")
    save_payment(ctx, payment)
    return payment


def void_payment(ctx: Context, payment_id: str, body: Any) -> dict[str, Any]:
    """{type, reason}: any payment not already canceled or voided (online or offline); its amounts come off
    the bills at once."""
    settle_due_payments(ctx)
    body = body_object(body)
    reject_unknown(body, {"type", "reason"})
    if body.get("type") not in VOID_TYPES:
        raise invalid_body(f"type: must be one of {', '.join(VOID_TYPES)}")
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise invalid_body("reason: must be a string")
    payment = get_payment(ctx, payment_id)
    if payment["status"] not in ("PAID", "SCHEDULED"):
        raise unprocessable(f"Payment {payment['id']} cannot be voided (status {payment['status']}).")
    now = ctx.now()
    payment["voidInfo"].append(
        {
            "id": ctx.ids.new("0vo"),
            "requestedBy": ctx.user_id,
            "type": body["type"],
            "status": "TO_BE_PROCESSED" if payment["onlinePayment"] else "ACCEPTED",
            "reason": reason,
            "createdTime": now,
            "updatedTime": now,
        }
    )
    _apply(ctx, payment, "paidAmount" if payment["status"] == "PAID" else "scheduledAmount", -1)
    set_status(payment, "VOID")
    save_payment(ctx, payment)
    return payment


def check_image(ctx: Context, payment_id: str) -> dict[str, Any]:
    """Front and back images of a check BILL mailed."""
    payment = get_payment(ctx, payment_id)
    if payment["disbursementType"] != "CHECK" or payment["status"] not in ("PAID", "VOID"):
        raise unprocessable(f"No check image is available for payment {payment['id']}.")
    base = f"{CHECK_IMAGE_HOST}/v3/payments/{payment['id']}/check-image"
    return {"results": [{"downloadLink": f"{base}/front"}, {"downloadLink": f"{base}/back"}]}


def _vendor_and_amount(ctx: Context, query: Mapping[str, str]) -> tuple[dict[str, Any], float]:
    vendor_id = query.get("vendorId") or ""
    if not vendor_id:
        raise invalid_parameter("vendorId is required.")
    try:
        amount = round(float(query.get("amount") or ""), 2)
    except ValueError:
        raise invalid_parameter("amount is required: a number greater than zero.") from None
    if amount <= 0:
        raise invalid_parameter("amount is required: a number greater than zero.")
    return vendors.get_vendor(ctx, vendor_id), amount


def payment_options(ctx: Context, query: Mapping[str, str]) -> dict[str, Any]:
    """`?vendorId&amount`: which funding accounts can pay the vendor, and when."""
    vendor, amount = _vendor_and_amount(ctx, query)
    kind = disbursement_type(vendor)
    process, conditions = earliest_process_date(ctx, vendor, kind)
    delivery = add_business_days(process, arrival_days(kind, {}))
    reason = ""
    if vendor["archived"]:
        reason = "Vendor is archived."
    elif kind == "CHECK" and not vendor["address"].get("line1"):
        reason = "Vendor needs an address or a bank account."
    banks = [
        {
            "available": not reason and bank["verified"],
            "deliveryDate": delivery.isoformat(),
            "processDate": process.isoformat(),
            "reason": reason or ("" if bank["verified"] else "Bank account is not verified."),
            "conditions": conditions,
            "id": bank["id"],
            "name": bank["name"],
            "fee": 0.0,
        }
        for bank in funding_banks(ctx)
    ]
    return {"amount": amount, "vendorId": vendor["id"], "fundingOptions": {"banks": banks, "cards": []}}


_RATE_BANDS = ((0.01, 10_000.0, 1.0), (10_000.01, 100_000.0, 1.002), (100_000.01, 1_000_000.0, 1.004))


def exchange_rate(ctx: Context, query: Mapping[str, str]) -> dict[str, Any]:
    """`?vendorId&amount&baseCurrency`: USD per unit of the vendor's currency."""
    vendor, amount = _vendor_and_amount(ctx, query)
    currency = (vendor["paymentInformation"].get("bankAccount") or {}).get("paymentCurrency") or vendor[
        "billCurrency"
    ]
    if currency not in vendors.USD_PER_UNIT:
        raise unprocessable(f"BILL does not pay in {currency}.")
    base = (query.get("baseCurrency") or "false").lower() == "true"
    rate = vendors.USD_PER_UNIT[currency]
    usd = amount if base else amount * rate
    low, high, better = next((band for band in _RATE_BANDS if usd <= band[1]), _RATE_BANDS[-1])
    expires = ctx.clock.utcnow() + timedelta(hours=1)
    return {
        "paymentCurrency": currency,
        "baseCurrency": "USD",
        "exchangeRate": round(rate * better, 6),
        "amountRange": {"from": low, "to": high},
        "expirationTime": format_timestamp(expires),
    }


# -- seed -------------------------------------------------------------------------------------------
def seed_payments(
    plan: SeedPlan, bill_list: list[dict[str, Any]], vendor_credits: list[dict[str, Any]], new_id: Any
) -> list[dict[str, Any]]:
    """Payments for most older bills (some offline, a few voided or canceled, some partial), scheduled
    payments for some recent ones. Mutates the bills, vendor credits and vendors in place."""
    ctx, f = plan.ctx, plan.ctx.fake
    by_vendor: dict[str, dict[str, Any]] = plan.extra["vendors"]
    funding_id = (plan.refs.get("bank_accounts") or [None])[0]
    if not funding_id:
        funding_id = ctx.ids.new("bac")
        ctx.store.set_meta(f"ap-funding:{ctx.scope}", funding_id)
    funding = {"type": "BANK_ACCOUNT", "id": funding_id}
    open_credits: dict[str, list[dict[str, Any]]] = {}
    for credit in vendor_credits:
        if not credit["archived"]:
            open_credits.setdefault(credit["vendorId"], []).append(credit)
    end_day = plan.end.date()
    out: list[dict[str, Any]] = []
    for bill in bill_list:
        if not approvals.approvable(bill):
            continue
        created_at: datetime = bill["_created_at"]
        age = (plan.end - created_at).days
        vendor = by_vendor[bill["vendorId"]]
        roll = f.rng.random()
        if (age > 25 and roll < 0.8) or (age > 7 and roll < 0.3):
            latest = min(plan.end - timedelta(days=1), created_at + timedelta(days=60))
            process_at = f.moment_between(created_at + timedelta(hours=20), latest)
            out.append(_seed_paid(plan, bill, vendor, process_at, funding, open_credits, new_id))
        elif age <= 20 and roll < 0.15:
            process_day = add_business_days(end_day, f.integer(1, 8))
            created = format_timestamp(f.moment_between(created_at, plan.end))
            payment = build_payment(
                ctx,
                {
                    "id": new_id(PREFIX),
                    "vendor": vendor,
                    "billPayments": [{"billId": bill["id"], "amount": bill["dueAmount"]}],
                    "processDate": process_day.isoformat(),
                    "fundingAccount": funding,
                    "status": "SCHEDULED",
                    "createdTime": created,
                    "updatedTime": created,
                },
                new_id,
            )
            bill["scheduledAmount"] = payment["amount"]
            bills.derive_bill(ctx, bill)
            bill["updatedTime"] = max(bill["updatedTime"], created)
            out.append(payment)
    return out


def _seed_paid(
    plan: SeedPlan,
    bill: dict[str, Any],
    vendor: dict[str, Any],
    process_at: datetime,
    funding: dict[str, Any],
    open_credits: dict[str, list[dict[str, Any]]],
    new_id: Any,
) -> dict[str, Any]:
    ctx, f = plan.ctx, plan.ctx.fake
    process = process_at.date()
    if process.weekday() >= 5:
        process = add_business_days(process, 1)
    process_date = process.isoformat()
    offline = f.chance(0.2)
    outcome = f.rng.random()
    status = "VOID" if outcome < 0.01 else "CANCELLED" if outcome < 0.02 and not offline else "PAID"
    due = bill["dueAmount"]
    amount = due if f.chance(0.88) else round(due * f.rng.uniform(0.2, 0.7), 2)
    used: list[dict[str, Any]] = []
    payment_id = new_id(PREFIX)
    if status == "PAID":
        for credit in open_credits.get(bill["vendorId"], []):
            left = round(credit["amount"] - credit["appliedAmount"], 2)
            if 0 < left < amount and credit["creditDate"] <= process_date:
                used.append({"id": credit["id"], "amount": left})
                amount = round(amount - left, 2)
                credit["appliedAmount"] = credit["amount"]
                credit["usage"].append({"billId": bill["id"], "paymentId": payment_id, "amount": left})
                credit["status"] = "FULLY_APPLIED"
                break
    if offline:
        created_at = f.moment_between(process_at, min(plan.end, process_at + timedelta(days=5)))
    else:
        created_at = f.moment_between(max(bill["_created_at"], process_at - timedelta(days=3)), process_at)
    created = format_timestamp(created_at)
    payment = build_payment(
        ctx,
        {
            "id": payment_id,
            "vendor": vendor,
            "billPayments": [{"billId": bill["id"], "amount": amount, "vendorCredits": used}],
            "processDate": process_date,
            "fundingAccount": None if offline else funding,
            "onlinePayment": not offline,
            "description": f"Payment for {bill['invoice']['invoiceNumber']}",
            "status": status,
            "createdTime": created,
            "updatedTime": created,
        },
        new_id,
    )
    arrival = process_at + timedelta(days=arrival_days(payment["disbursementType"], {}) + 1)
    if status == "PAID":
        if offline:
            changed_at = created_at
        elif arrival <= plan.end:
            changed_at = max(arrival, created_at)
        else:
            # Still in transit: last changed when it was processed, not at the moment of seeding.
            changed_at = max(created_at, min(process_at, plan.end))
        bill["paidAmount"] = round(bill["paidAmount"] + amount, 2)
        bill["creditAmount"] = round(bill["creditAmount"] + sum(u["amount"] for u in used), 2)
        bills.derive_bill(ctx, bill)
        info = vendor["paymentInformation"]
        if (info["lastPaymentDate"] or "") < process_date:
            info["lastPaymentDate"] = process_date
        for credit in open_credits.get(bill["vendorId"], []):
            if credit["usage"] and credit["usage"][-1]["paymentId"] == payment_id:
                credit["updatedTime"] = max(credit["updatedTime"], format_timestamp(changed_at))
    elif status == "VOID":
        changed_at = min(plan.end, process_at + timedelta(days=f.integer(1, 10)))
        payment["voidInfo"] = [
            {
                "id": new_id("0vo"),
                "requestedBy": ctx.user_id,
                "type": "VOID_ONLY",
                "status": "ACCEPTED",
                "reason": "Duplicate payment",
                "createdTime": format_timestamp(changed_at),
                "updatedTime": format_timestamp(changed_at),
            }
        ]
    else:
        changed_at = f.moment_between(created_at, process_at)
    payment["updatedTime"] = format_timestamp(max(changed_at, created_at))
    bill["updatedTime"] = max(bill["updatedTime"], payment["updatedTime"])
    return payment
