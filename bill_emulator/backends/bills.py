"""Bills (BILL's AP workflow): create, bulk create, replace, update, archive; bill approval policies and
actions; bill documents. Amounts always agree: amount = Σ line amounts, dueAmount = amount - paidAmount -
creditAmount, and paymentStatus follows. Also the line-item document machinery that credit memos, vendor
credits and recurring templates share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson

from bill_emulator.backends import generic, vendors
from bill_emulator.backends.context import Context
from bill_emulator.backends.organizations import user_name
from bill_emulator.backends.vendors import VENDORS
from bill_emulator.errors import invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.handlers import ORG, Call, Endpoint, Handler, Reply, list_body, page_payload
from bill_emulator.query import Page
from bill_emulator.resources import EQ_IN, EQ_NE_IN, RANGE, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan, fast_ids
from bill_emulator.timefmt import format_date, format_timestamp
from bill_emulator.validation import (
    body_list,
    body_object,
    classification_ids,
    day,
    ids_param,
    money,
    objects,
    reject_unknown,
    require_keys,
    required_id,
    text,
)

PREFIX = "00n"
LINE_PREFIX = "0bl"
POLICY_PREFIX = "bap"
DOCUMENT_PREFIX = "00h"  # documented: a finished upload
UPLOAD_PREFIX = "0du"  # documented: an upload in progress
UPLOAD_SECONDS = 0.0  # an upload is in progress in its own response and done by the next call
MAX_UPLOAD_BYTES = 6 * 1024 * 1024  # documented: 6 MB
MAX_BULK = 100
EMPTY: dict[str, Any] = {}


# -- line items ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineSpec:
    """How one kind of line item looks: id prefix, classification keys and optional fields."""

    prefix: str
    classifications: tuple[str, ...]
    priced: bool = False  # has price and quantity; amount = price * quantity
    extras: tuple[str, ...] = ()  # "taxable", "ratePercent"
    ignored: tuple[str, ...] = ()  # accepted in requests, not part of the object (e.g. quantity)

    @property
    def rated(self) -> bool:
        """Lines may be percentage lines: only a ratePercent, applied to the lines above them."""
        return self.priced and "ratePercent" in self.extras


def is_rate_line(line: dict[str, Any]) -> bool:
    return line.get("price", 0) is None


def apply_rates(lines: list[dict[str, Any]]) -> None:
    """A percentage line's amount is its ratePercent of the regular lines above it (e.g. -10 = 10% off)."""
    running = 0.0
    for line in lines:
        if is_rate_line(line):
            line["amount"] = round(running * line["ratePercent"] / 100, 2)
        else:
            running += line["amount"]


def check_lines(items: Any, spec: LineSpec, key: str) -> list[dict[str, Any]]:
    """Validate a write-shape line list (new lines and, on updates, lines by id)."""
    objects(items, f"{key}: must contain at least one line item")
    allowed = {"id", "amount", "description", "classifications", *spec.extras, *spec.ignored}
    if spec.priced:
        allowed |= {"price", "quantity"}
    for line in items:
        reject_unknown(line, allowed)
        for name in ("amount", "price", "quantity", "ratePercent"):
            if name in line:
                money(line[name], f"{key}.{name}")
        if spec.priced and "quantity" in line and line["quantity"] <= 0:
            raise invalid_body(f"{key}.quantity: must be greater than zero")
        priced = spec.priced and "price" in line
        rated = spec.rated and "ratePercent" in line
        if not line.get("id") and "amount" not in line and not priced and not rated:
            raise invalid_body(f"{key}.amount: must not be null")
        if spec.priced and "amount" in line and "price" in line:
            quantity = float(line.get("quantity", 1))
            if abs(line["price"] * quantity - line["amount"]) > 0.01:
                raise invalid_body(f"{key}.amount: must equal price * quantity")
        if line.get("id") is not None and not isinstance(line["id"], str):
            raise invalid_body(f"{key}.id: must be a string id")
        if "description" in line and not isinstance(line["description"], str):
            raise invalid_body(f"{key}.description: must be a string")
        if "taxable" in line and not isinstance(line["taxable"], bool):
            raise invalid_body(f"{key}.taxable: must be true or false")
        classification_ids(spec.classifications, line.get("classifications"), f"{key}.classifications")
    return items


def build_line(spec: LineSpec, data: dict[str, Any], new_id: Callable[[str], str]) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": data.get("id") or new_id(spec.prefix),
        "description": data.get("description", ""),
    }
    if spec.rated and data.get("price") is None and data.get("amount") is None and data.get("ratePercent"):
        line.update(amount=0.0, price=None, quantity=None)  # a percentage line: see apply_rates
    elif spec.priced:
        quantity = float(data.get("quantity", 1) or 1)
        if data.get("amount") is not None:
            amount = round(float(data["amount"]), 2)
            price = (
                round(float(data["price"]), 2)
                if data.get("price") is not None
                else round(amount / quantity, 2)
            )
        else:
            price = round(float(data.get("price", 0.0)), 2)
            amount = round(price * quantity, 2)
        line.update(amount=amount, price=price, quantity=quantity)
    else:
        line["amount"] = round(float(data.get("amount", 0.0)), 2)
    if "ratePercent" in spec.extras:
        line["ratePercent"] = float(data.get("ratePercent") or 0.0)
    if "taxable" in spec.extras:
        line["taxable"] = bool(data.get("taxable", False))
    line["classifications"] = {
        key: (data.get("classifications") or EMPTY).get(key) for key in spec.classifications
    }
    return line


def _merge_line(spec: LineSpec, old: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in old.items() if k not in ("amount", "price", "quantity", "classifications")}
    data.update(
        {k: v for k, v in change.items() if k not in ("amount", "price", "quantity", "classifications")}
    )
    data["classifications"] = {**old["classifications"], **(change.get("classifications") or EMPTY)}
    if spec.rated and is_rate_line(old) and not {"amount", "price", "quantity"} & set(change):
        data.update(amount=None, price=None)  # still a percentage line
    elif spec.priced:
        data["quantity"] = change.get("quantity", old["quantity"]) or 1.0
        if "amount" in change:
            data["amount"] = change["amount"]
            if "price" in change:
                data["price"] = change["price"]
        elif "price" in change or "quantity" in change:
            data["price"] = change.get("price", old["price"]) or 0.0
        else:
            data["amount"], data["price"] = old["amount"], old["price"]
    else:
        data["amount"] = change.get("amount", old["amount"])
    return build_line(spec, data, lambda prefix: "")


def merge_lines(
    ctx: Context, spec: LineSpec, existing: list[dict[str, Any]], changes: list[dict[str, Any]], replace: bool
) -> list[dict[str, Any]]:
    """PATCH changes lines by id and adds new ones; PUT keeps only the lines it names (BILL's rules)."""
    by_id = {line["id"]: line for line in existing}
    result = [] if replace else [dict(line) for line in existing]
    for change in changes:
        line_id = change.get("id")
        if line_id and line_id not in by_id:
            raise invalid_body(f"Line item {line_id} does not belong to this object.")
        if line_id:
            line = _merge_line(spec, by_id[line_id], change)
            if replace:
                result.append(line)
            else:
                result = [line if x["id"] == line_id else x for x in result]
        else:
            result.append(build_line(spec, change, ctx.ids.new))
    return result


# -- a family of line-item documents --------------------------------------------------------------
Validate = Callable[[Context, dict[str, Any], "dict[str, Any] | None", bool], dict[str, Any]]
Hook = Callable[[Context, dict[str, Any], "dict[str, Any] | None"], None]


@dataclass
class Family:
    """Create, bulk, replace, update and archive for one kind of line-item document."""

    res: Resource
    id_name: str  # path parameter, e.g. "creditMemoId"
    lines_key: str
    line: LineSpec
    validate: Validate  # (ctx, body, existing, replace) -> fields; lines raw under lines_key
    bulk_key: str | None = None  # bulk responses wrap the list in this key
    max_bulk: int = 50
    on_create: Hook | None = None  # before the insert
    check: Hook | None = None  # after derivation, before storing; raise to refuse
    after_write: Hook | None = None  # (ctx, new, old) once stored
    guard: Callable[[Call], None] | None = None  # checks on the request itself (e.g. an MFA-trusted session)

    # -- operations -----------------------------------------------------------------------------
    def new(self, ctx: Context, body: Any) -> dict[str, Any]:
        fields = self.validate(ctx, body_object(body), None, True)
        now = ctx.now()
        obj = self.res.build(
            ctx, {**fields, "id": ctx.ids.new(self.res.prefix), "createdTime": now, "updatedTime": now}
        )
        if self.res.derive:
            self.res.derive(ctx, obj)
        if self.on_create:
            self.on_create(ctx, obj, None)
        if self.check:
            self.check(ctx, obj, None)
        ctx.store.insert(self.res.kind, ctx.scope, obj)
        if self.after_write:
            self.after_write(ctx, obj, None)
        return obj

    def change(self, ctx: Context, object_id: str, body: Any, replace: bool) -> dict[str, Any]:
        body_object(body)
        existing = generic.get(ctx, self.res, object_id)
        fields = self.validate(ctx, body, existing, replace)
        lines = fields.pop(self.lines_key, None)
        obj = generic.deep_merge(existing, fields)
        if lines is not None:
            obj[self.lines_key] = merge_lines(ctx, self.line, existing[self.lines_key], lines, replace)
        if self.res.derive:
            self.res.derive(ctx, obj)
        if self.check:
            self.check(ctx, obj, existing)
        generic.save(ctx, self.res, obj)
        if self.after_write:
            self.after_write(ctx, obj, existing)
        return obj

    def set_archived(self, ctx: Context, object_id: str, archived: bool) -> dict[str, Any]:
        existing = generic.get(ctx, self.res, object_id)
        if existing["archived"] == archived:
            return existing  # BILL: "There is no change when you archive an archived ..."
        obj = generic.set_archived(ctx, self.res, object_id, archived)
        if self.after_write:
            self.after_write(ctx, obj, existing)
        return obj

    def _wrap(self, items: list[dict[str, Any]]) -> Any:
        return {self.bulk_key: items} if self.bulk_key else items

    # -- handlers -------------------------------------------------------------------------------
    def list(self, call: Call) -> Reply:
        return list_body(call, self.res, ORG)

    def get(self, call: Call) -> Reply:
        return Reply(200, generic.get(call.ctx, self.res, call.path[self.id_name]))

    def _guard(self, call: Call) -> None:
        if self.guard:
            self.guard(call)

    def create(self, call: Call) -> Reply:
        self._guard(call)
        return Reply(201, self.new(call.ctx, call.body))

    def bulk_create(self, call: Call) -> Reply:
        self._guard(call)
        items = body_list(call.body, self.max_bulk, self.res.label.lower() + "s")
        return Reply(201, self._wrap([self.new(call.ctx, item) for item in items]))

    def put(self, call: Call) -> Reply:
        self._guard(call)
        return Reply(200, self.change(call.ctx, call.path[self.id_name], call.body, replace=True))

    def patch(self, call: Call) -> Reply:
        self._guard(call)
        return Reply(200, self.change(call.ctx, call.path[self.id_name], call.body, replace=False))

    def _bulk_change(self, call: Call, replace: bool) -> Reply:
        self._guard(call)
        items = body_list(call.body, self.max_bulk, self.res.label.lower() + "s")
        results = []
        for item in items:
            if not isinstance(item.get("id"), str) or not item["id"]:
                raise invalid_body("id: each object in a bulk update needs its id")
            body = {k: v for k, v in item.items() if k != "id"}
            results.append(self.change(call.ctx, item["id"], body, replace))
        return Reply(200, self._wrap(results))

    def bulk_put(self, call: Call) -> Reply:
        return self._bulk_change(call, replace=True)

    def bulk_patch(self, call: Call) -> Reply:
        return self._bulk_change(call, replace=False)

    def archive(self, call: Call) -> Reply:
        return Reply(200, self.set_archived(call.ctx, call.path[self.id_name], True))

    def restore(self, call: Call) -> Reply:
        return Reply(200, self.set_archived(call.ctx, call.path[self.id_name], False))

    def bulk_archive(self, call: Call) -> Reply:
        return Reply(200, self._wrap([self.set_archived(call.ctx, i, True) for i in ids_param(call.query)]))

    def bulk_restore(self, call: Call) -> Reply:
        return Reply(200, self._wrap([self.set_archived(call.ctx, i, False) for i in ids_param(call.query)]))

    def endpoints(
        self, path: str, name: str, ops: str, handlers: dict[str, Handler] | None = None
    ) -> list[Endpoint]:
        """Endpoints for the named operations (list get create put patch archive restore bulk-create
        bulk-put bulk-patch bulk-archive bulk-restore); `handlers` overrides some of them."""
        item = f"{path}/{{{self.id_name}}}"
        table: dict[str, tuple[str, str, Handler]] = {
            "bulk-create": ("POST", f"{path}/bulk", self.bulk_create),
            "bulk-put": ("PUT", f"{path}/bulk", self.bulk_put),
            "bulk-patch": ("PATCH", f"{path}/bulk", self.bulk_patch),
            "bulk-archive": ("POST", f"{path}/bulk/archive", self.bulk_archive),
            "bulk-restore": ("POST", f"{path}/bulk/restore", self.bulk_restore),
            "list": ("GET", path, self.list),
            "create": ("POST", path, self.create),
            "get": ("GET", item, self.get),
            "put": ("PUT", item, self.put),
            "patch": ("PATCH", item, self.patch),
            "archive": ("POST", f"{item}/archive", self.archive),
            "restore": ("POST", f"{item}/restore", self.restore),
        }
        chosen = ops.split()
        unknown = set(chosen) - set(table)
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)}")
        overrides = handlers or {}
        return [
            Endpoint(method, route, ORG, overrides.get(op, handler), f"{name}.{op.replace('-', '_')}")
            for op, (method, route, handler) in table.items()
            if op in chosen
        ]


# -- bills --------------------------------------------------------------------------------------
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
        "classifications": {k: (data.get("classifications") or EMPTY).get(k) for k in BILL_CLASSIFICATIONS},
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
    reject_unknown(body, _BILL_FIELDS)
    if replace:
        require_keys(body, ("vendorId", "dueDate", "invoice", "billLineItems"))
    fields: dict[str, Any] = {}
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
        if not isinstance(invoice, dict):
            raise invalid_body("invoice: must be an object")
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
    if "billLineItems" in body:
        fields["billLineItems"] = check_lines(body["billLineItems"], BILL_LINE, "billLineItems")
    for key in ("description", "purchaseOrderNumber"):
        if key in body:
            fields[key] = text(body, key)
    if "payFromChartOfAccountId" in body:
        fields["payFromChartOfAccountId"] = body["payFromChartOfAccountId"]
    if "classifications" in body:
        fields["classifications"] = classification_ids(
            BILL_CLASSIFICATIONS, body["classifications"], "classifications"
        )
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


def _assign_approvers(ctx: Context, bill: dict[str, Any], _old: dict[str, Any] | None) -> None:
    """Active approval policies whose rules all match route a new bill to their approvers, in order."""
    approvers: list[str] = []
    for row in ctx.store.find("bill_approval_policies", ctx.scope):
        policy = row.body
        if policy["status"] == "ACTIVE" and all(_rule_matches(rule, bill) for rule in policy["rules"]):
            approvers += [u["userId"] for u in policy["approvers"]["users"] if u["userId"] not in approvers]
    if approvers:
        bill["approvalStatus"] = "ASSIGNED"
        bill["approvers"] = [
            {
                "userId": user,
                "status": "WAITING",
                "approverOrder": order,
                "statusChangedTime": bill["createdTime"],
            }
            for order, user in enumerate(approvers, start=1)
        ]


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
BILL_FAMILY = Family(
    BILLS,
    "billId",
    "billLineItems",
    BILL_LINE,
    validate_bill,
    bulk_key=None,
    max_bulk=MAX_BULK,
    on_create=_assign_approvers,
    check=check_bill,
    after_write=_bill_written,
)


def list_bills(call: Call) -> Reply:
    from bill_emulator.backends.payments import settle_due_payments

    settle_due_payments(call.ctx)
    return BILL_FAMILY.list(call)


def read_bill(call: Call) -> Reply:
    from bill_emulator.backends.payments import settle_due_payments

    settle_due_payments(call.ctx)
    return BILL_FAMILY.get(call)


def get_bill(ctx: Context, bill_id: str) -> dict[str, Any]:
    return generic.get(ctx, BILLS, bill_id)


def save_bill(ctx: Context, bill: dict[str, Any]) -> dict[str, Any]:
    """Store a bill changed by payments or credits (derived fields recomputed)."""
    return generic.save(ctx, BILLS, bill)


# -- bill approvals -------------------------------------------------------------------------------
RULE_KEYS = {
    "BILL_AMOUNT": None,
    "VENDOR_ID": "vendors",
    "CHART_OF_ACCOUNT_ID": "chart_of_accounts",
    "ACCOUNTING_CLASS_ID": "accounting_classes",
    "DEPARTMENT_ID": "departments",
    "JOB_ID": "jobs",
    "LOCATION_ID": "locations",
}
_RULE_FIELD = {
    "CHART_OF_ACCOUNT_ID": "chartOfAccountId",
    "ACCOUNTING_CLASS_ID": "accountingClassId",
    "DEPARTMENT_ID": "departmentId",
    "JOB_ID": "jobId",
    "LOCATION_ID": "locationId",
}
_COMPARE = {
    "eq": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _rule_matches(rule: dict[str, Any], bill: dict[str, Any]) -> bool:
    values = [v["value"] for v in rule["values"]]
    if rule["key"] == "BILL_AMOUNT":
        return _COMPARE.get(rule["op"], _COMPARE["gte"])(bill["amount"], float(values[0]))
    if rule["key"] == "VENDOR_ID":
        return bill["vendorId"] in values
    field = _RULE_FIELD[rule["key"]]
    seen = {bill["classifications"].get(field)} | {
        line["classifications"].get(field) for line in bill["billLineItems"]
    }
    return bool(seen & set(values))


def _display_name(ctx: Context, key: str, value: str) -> str:
    if key == "BILL_AMOUNT":
        return f"${float(value):,.2f}"
    row = ctx.store.get(RULE_KEYS[key] or "", value)
    return str(row.body.get("name") or value) if row and row.scope == ctx.scope else value


def validate_policy(ctx: Context, body: Any) -> dict[str, Any]:
    body = body_object(body)
    reject_unknown(body, {"policyName", "rules", "approvers"})
    name = body.get("policyName")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise invalid_body("policyName: must be 1 to 100 characters")
    rules = body.get("rules")
    if not isinstance(rules, list) or not rules:
        raise invalid_body("rules: must contain at least one rule")
    built = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise invalid_body("rules: each rule must be an object")
        reject_unknown(rule, {"key", "op", "values"})
        key, op, values = rule.get("key"), rule.get("op"), rule.get("values")
        if not isinstance(key, str) or key not in RULE_KEYS:
            raise invalid_body(f"rules.key: must be one of {', '.join(RULE_KEYS)}")
        allowed_ops = ("eq", "gt", "gte", "lt", "lte") if key == "BILL_AMOUNT" else ("eq", "in")
        if op not in allowed_ops:
            raise invalid_body(f"rules.op: must be one of {', '.join(allowed_ops)} for {key}")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise invalid_body("rules.values: must be a non-empty list of strings")
        if key == "BILL_AMOUNT":
            try:
                float(values[0])
            except ValueError:
                raise invalid_body("rules.values: BILL_AMOUNT needs a number") from None
        built.append(
            {
                "key": key,
                "op": op,
                "values": [{"value": v, "displayName": _display_name(ctx, key, v)} for v in values],
            }
        )
    approvers = body.get("approvers")
    if not isinstance(approvers, list) or not approvers or not all(isinstance(a, str) for a in approvers):
        raise invalid_body("approvers: must be a non-empty list of user ids")
    users = []
    for user_id in dict.fromkeys(approvers):
        row = ctx.store.get("users", user_id)
        if row is None or row.scope != ctx.scope or row.body.get("archived"):
            raise invalid_body(f"approvers: user {user_id} is not an active user of this organization")
        users.append({"userId": user_id, "fullName": f"{row.body['firstName']} {row.body['lastName']}"})
    return {"policyName": name, "rules": built, "approvers": {"users": users, "groups": []}}


def _policy(ctx: Context, policy_id: str) -> dict[str, Any]:
    row = ctx.store.get("bill_approval_policies", policy_id)
    if row is None or row.scope != ctx.scope:
        raise not_found("Bill approval policy", policy_id)
    return row.body


def _public_policy(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in policy.items() if k not in ("createdTime", "updatedTime")}


def list_policies(call: Call) -> Reply:
    rows = call.ctx.store.find("bill_approval_policies", call.ctx.scope)
    return Reply(200, [_public_policy(r.body) for r in rows])


def create_policy(call: Call) -> Reply:
    ctx = call.ctx
    now = ctx.now()
    policy = {
        "id": ctx.ids.new(POLICY_PREFIX),
        **validate_policy(ctx, call.body),
        "status": "ACTIVE",
        "createdTime": now,
        "updatedTime": now,
    }
    ctx.store.insert("bill_approval_policies", ctx.scope, policy)
    return Reply(201, _public_policy(policy))


def update_policy(call: Call) -> Reply:
    ctx = call.ctx
    policy = _policy(ctx, call.path["policyId"])
    policy.update(validate_policy(ctx, call.body))
    policy["updatedTime"] = ctx.now()
    ctx.store.replace("bill_approval_policies", policy)
    return Reply(200, _public_policy(policy))


def delete_policy(call: Call) -> Reply:
    policy = _policy(call.ctx, call.path["policyId"])
    call.ctx.store.delete("bill_approval_policies", policy["id"])
    return Reply(200, {"status": "SUCCESS"})


def _next_approver(bill: dict[str, Any]) -> dict[str, Any] | None:
    waiting = [a for a in bill["approvers"] if a["status"] == "WAITING"]
    if bill["approvalStatus"] not in ("ASSIGNED", "APPROVING") or not waiting:
        return None
    return min(waiting, key=lambda a: a["approverOrder"])


def approval_actions(call: Call) -> Reply:
    """POST /v3/bill-approvals/actions [{billId, action: APPROVE|DENY, comment}]: the signed-in user acts."""
    ctx = call.ctx
    items = objects(call.body, "Request body must be a non-empty JSON array of approval actions.")
    for item in items:
        reject_unknown(item, {"billId", "action", "comment"})
        if item.get("action") not in ("APPROVE", "DENY"):
            raise invalid_body("action: must be APPROVE or DENY")
        if "comment" in item and not isinstance(item["comment"], str):
            raise invalid_body("comment: must be a string")
        bill = get_bill(ctx, str(item.get("billId") or ""))
        approver = _next_approver(bill)
        if approver is None or approver["userId"] != ctx.user_id:
            raise unprocessable(f"Bill {bill['id']} is not pending your approval.")
        now = ctx.now()
        approver["status"] = "APPROVED" if item["action"] == "APPROVE" else "DENIED"
        approver["statusChangedTime"] = now
        if item["action"] == "DENY":
            bill["approvalStatus"] = "DENIED"
        elif all(a["status"] == "APPROVED" for a in bill["approvers"]):
            bill["approvalStatus"] = "APPROVED"
        else:
            bill["approvalStatus"] = "APPROVING"
        save_bill(ctx, bill)
    return Reply(200, {"status": "SUCCESS"})


def pending_approvals(call: Call) -> Reply:
    """Bills whose next approver is the signed-in user."""
    ctx = call.ctx
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'bills' AND scope = ? AND archived = 0"
        " AND json_extract(body, '$.approvalStatus') IN ('ASSIGNED', 'APPROVING') ORDER BY created_time, id",
        (ctx.scope,),
    )
    pending = []
    for (raw,) in rows:
        bill = orjson.loads(raw)
        approver = _next_approver(bill)
        if approver and approver["userId"] == ctx.user_id:
            pending.append(
                {
                    "billId": bill["id"],
                    "vendorId": bill["vendorId"],
                    "amount": bill["amount"],
                    "dueDate": bill["dueDate"],
                }
            )
    return Reply(200, {"bills": pending})


def approvable(bill: dict[str, Any]) -> bool:
    """Only approved bills (or bills no policy routed) can be paid online."""
    return bill["approvalStatus"] in ("UNASSIGNED", "APPROVED", "UNDEFINED")


# -- documents ------------------------------------------------------------------------------------
def build_document(document_id: str, name: str, created: str) -> dict[str, Any]:
    return {"id": document_id, "name": name, "createdTime": created, "updatedTime": created}


def _public_document(doc: dict[str, Any], call: Call) -> dict[str, Any]:
    """downloadLink points at the emulator (like attachments); the emulator does not serve the file."""
    host = call.headers.get("host") or "localhost"
    link = f"http://{host}/connect/v3/documents/{doc['id']}/download"
    return {"id": doc["id"], "name": doc["name"], "createdTime": doc["createdTime"], "downloadLink": link}


DOCUMENTS = register(Resource("documents", "Document", DOCUMENT_PREFIX, lambda ctx, data: data))


def _finish_uploads(ctx: Context) -> None:
    """Uploads older than UPLOAD_SECONDS become documents (BILL finishes them in the background)."""
    cutoff = format_timestamp(ctx.clock.now() - UPLOAD_SECONDS)
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'document_uploads' AND scope = ?"
        " AND json_extract(body, '$.status') = 'IN_PROGRESS' AND created_time <= ?",
        (ctx.scope, cutoff),
    )
    for (raw,) in rows:
        upload = orjson.loads(raw)
        ready = ctx.now()
        document = build_document(upload["documentId"], upload["name"], ready)
        ctx.store.insert("documents", ctx.scope, document, upload["billId"])
        upload.update(status="UPLOADED", updatedTime=ready)
        ctx.store.replace("document_uploads", upload)


def list_documents(call: Call) -> Reply:
    """GET /v3/documents/bills/{billId}?max&page."""
    _finish_uploads(call.ctx)
    bill = get_bill(call.ctx, call.path["billId"])
    query = {k: v for k, v in call.query.items() if k in ("max", "page")}
    page = generic.list_page(call.ctx, DOCUMENTS, query, ("page",), parent_id=bill["id"])
    bodies = [orjson.dumps(_public_document(orjson.loads(b), call)).decode() for b in page.bodies]
    return Reply(200, raw=page_payload(Page(bodies, page.next_token, page.prev_token)))


def upload_document(call: Call) -> Reply:
    """POST /v3/documents/bills/{billId}?name= with the file as the body: answers with the upload (0du) id;
    the document (00h) appears once the upload is done (see UPLOAD_SECONDS)."""
    ctx = call.ctx
    bill = get_bill(ctx, call.path["billId"])
    name = (call.query.get("name") or "").strip()
    if not name or len(name) > 255:
        raise invalid_parameter("name is required: the file name, at most 255 characters.")
    size = len(call.body) if isinstance(call.body, (bytes, bytearray)) else 0
    if size == 0:
        raise invalid_body("The file is empty: send the file content as the request body.")
    if size > MAX_UPLOAD_BYTES:
        raise invalid_body("The file is larger than the 6 MB limit.")
    now = ctx.now()
    upload = {
        "id": ctx.ids.new(UPLOAD_PREFIX),
        "documentId": ctx.ids.new(DOCUMENT_PREFIX),
        "billId": bill["id"],
        "name": name,
        "status": "IN_PROGRESS",
        "createdTime": now,
        "updatedTime": now,
    }
    ctx.store.insert("document_uploads", ctx.scope, upload, bill["id"])
    return Reply(200, {"id": upload["id"], "name": None, "createdTime": None, "downloadLink": None})


def upload_status(call: Call) -> Reply:
    """GET /v3/documents/upload-status?ids=: IN_PROGRESS (uploadId only) or UPLOADED (with documentId)."""
    ctx = call.ctx
    _finish_uploads(ctx)
    statuses = []
    for upload_id in ids_param(call.query):
        row = ctx.store.get("document_uploads", upload_id)
        if row is None or row.scope != ctx.scope:
            raise not_found("Document upload", upload_id)
        done = row.body["status"] == "UPLOADED"
        statuses.append(
            {
                "documentId": row.body["documentId"] if done else None,
                "uploadId": upload_id,
                "status": row.body["status"],
            }
        )
    return Reply(200, statuses)


def get_document(call: Call) -> Reply:
    _finish_uploads(call.ctx)
    return Reply(200, _public_document(generic.get(call.ctx, DOCUMENTS, call.path["documentId"]), call))


# -- record AP payment ----------------------------------------------------------------------------
def record_payment(call: Call) -> Reply:
    """POST /v3/bills/record-payment: a payment made outside BILL, applied to the vendor's bills."""
    from bill_emulator.backends import payments

    return payments.record_payment(call)


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
APPROVAL_THRESHOLD = 5000.0
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


def seed(plan: SeedPlan) -> None:
    """Bills over the history window (about 0.8 times the invoices), their approvals, documents, vendor credits
    and AP payments; vendor balances and last payment dates follow."""
    from bill_emulator.backends import credits, payments

    ctx, f = plan.ctx, plan.ctx.fake
    new_id = fast_ids(ctx, "bills")
    by_id: dict[str, dict[str, Any]] = plan.extra["vendors"]
    created_at_of: dict[str, Any] = plan.extra["vendor_created"]
    accounts = plan.refs.get("chart_of_accounts") or [None]
    admin = ctx.user_id
    policy = _seed_policy(ctx, plan, admin)
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
        if bill["amount"] >= APPROVAL_THRESHOLD and created > policy["createdTime"]:
            _seed_approval(plan, bill, admin, created_at)
        if rng.random() < 0.1:
            doc_at = created_at + timedelta(seconds=rng.random() * 7200)
            doc = build_document(
                new_id(DOCUMENT_PREFIX),
                f"{bill['invoice']['invoiceNumber']}.pdf",
                format_timestamp(min(doc_at, end)),
            )
            doc["_parent"] = bill["id"]
            documents.append(doc)
        bills.append(bill)
    vendor_credits = credits.seed_vendor_credits(plan, new_id)
    pays = payments.seed_payments(plan, bills, vendor_credits, new_id)
    balances: dict[str, float] = {}
    for bill in bills:
        bill.pop("_created_at")
        if f.chance(0.03):
            bill["archived"] = True
            derive_bill(ctx, bill)
        if not bill["archived"]:
            balances[bill["vendorId"]] = balances.get(bill["vendorId"], 0.0) + bill["dueAmount"]
    # Vendor balances and duplicate invoice numbers look bills up by vendor.
    ctx.store.execute(
        "CREATE INDEX IF NOT EXISTS records_bills_by_vendor ON records"
        " (scope, json_extract(body, '$.vendorId')) WHERE kind = 'bills'"
    )
    for start in range(0, len(bills), 5000):
        ctx.store.insert_many("bills", ctx.scope, bills[start : start + 5000])
    ctx.store.insert_many("documents", ctx.scope, documents)
    ctx.store.insert_many("payments", ctx.scope, pays)
    ctx.store.insert_many("vendor_credits", ctx.scope, vendor_credits)
    last_change: dict[str, str] = {}
    for bill in bills:
        last_change[bill["vendorId"]] = max(last_change.get(bill["vendorId"], ""), bill["updatedTime"])
    for vendor in vendor_list:
        if vendor["id"] in last_change:
            vendor["balance"] = {
                "amount": round(balances.get(vendor["id"], 0.0), 2),
                "lastUpdatedDate": max(vendor["createdTime"], last_change[vendor["id"]]),
            }
    # The vendors were stored by vendors.seed; store them again with their balances, in one go.
    ctx.store.execute("DELETE FROM records WHERE kind = 'vendors' AND scope = ?", (ctx.scope,))
    ctx.store.insert_many("vendors", ctx.scope, vendor_list)
    plan.refs["bills"] = [b["id"] for b in bills]
    ctx.store.set_meta(f"ap-settled:{ctx.scope}", format_date(ctx.clock.utcnow()))


def _seed_policy(ctx: Context, plan: SeedPlan, admin: str | None) -> dict[str, Any]:
    created = format_timestamp(plan.start + timedelta(days=30))
    name = user_name(ctx, admin)
    policy = {
        "id": ctx.ids.new(POLICY_PREFIX),
        "policyName": f"Bills of ${APPROVAL_THRESHOLD:,.0f} or more",
        "status": "ACTIVE",
        "rules": [
            {
                "key": "BILL_AMOUNT",
                "op": "gte",
                "values": [
                    {"value": f"{APPROVAL_THRESHOLD:.0f}", "displayName": f"${APPROVAL_THRESHOLD:,.2f}"}
                ],
            }
        ],
        "approvers": {"users": [{"userId": admin, "fullName": name}], "groups": []},
        "createdTime": created,
        "updatedTime": created,
    }
    ctx.store.insert("bill_approval_policies", ctx.scope, policy)
    return policy


def _seed_approval(plan: SeedPlan, bill: dict[str, Any], admin: str | None, created_at: Any) -> None:
    f = plan.ctx.fake
    age = plan.end - created_at
    if age < timedelta(days=10):
        status, decided = "WAITING", bill["createdTime"]
    else:
        status = "DENIED" if f.chance(0.04) else "APPROVED"
        decided = format_timestamp(f.moment_between(created_at, created_at + timedelta(days=3)))
        bill["updatedTime"] = decided
    bill["approvers"] = [
        {"userId": admin, "status": status, "approverOrder": 1, "statusChangedTime": decided}
    ]
    bill["approvalStatus"] = {"WAITING": "ASSIGNED", "APPROVED": "APPROVED", "DENIED": "DENIED"}[status]
