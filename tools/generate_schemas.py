#!/usr/bin/env python3
"""Generate `source_bill/schemas/*.json` from BILL's official Postman collection.

Every field found in the collection's 200/201 example answers of a stream's list and detail
endpoints becomes a property, typed from the example values. Every property except the
stream's primary key (top-level `id`; `uuid` for Spend & Expense, `PRIMARY_KEYS`) is nullable:
BILL omits or nulls fields freely. A few fields that BILL documents elsewhere (REFERENCE.md §4) but
the collection lacks are added from `EXTRA_FIELDS`.

    python tools/generate_schemas.py [--collection PATH] [--check]

`--check` exits 1 when the committed files differ from what would be generated.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: The facts-only fixture of BILL's collection (`tools/derive_collection_fixture.py`); the collection
#: itself (`--collection`) gives the same examples.
DEFAULT_COLLECTION = REPO / "tests_support" / "data" / "bill_collection.json"
SCHEMAS_DIR = REPO / "source_bill" / "schemas"

#: stream -> collection endpoints ("METHOD path") whose example answers describe its records.
#: List answers contribute their `results` items, detail answers the whole body.
STREAM_ENDPOINTS: Mapping[str, tuple[str, ...]] = {
    "customers": ("GET /v3/customers", "GET /v3/customers/:customerId"),
    "invoices": ("GET /v3/invoices", "GET /v3/invoices/:invoiceId"),
    "receivable_payments": (
        "GET /v3/receivable-payments",
        "GET /v3/receivable-payments/:receivedPaymentId",
    ),
    "credit_memos": ("GET /v3/credit-memos", "GET /v3/credit-memos/:creditMemoId"),
    "recurring_invoices": (
        "GET /v3/recurring-invoices",
        "GET /v3/recurring-invoices/:recurringInvoiceId",
    ),
    "vendors": ("GET /v3/vendors", "GET /v3/vendors/:vendorId"),
    "bills": ("GET /v3/bills", "GET /v3/bills/:billId"),
    "payments": ("GET /v3/payments", "GET /v3/payments/:paymentId"),
    "vendor_credits": ("GET /v3/vendor-credits", "GET /v3/vendor-credits/:vendorCreditId"),
    "recurring_bills": ("GET /v3/recurringbills", "GET /v3/recurringbills/:recurringBillId"),
    "users": ("GET /v3/users", "GET /v3/users/:userId"),
    "roles": ("GET /v3/roles", "GET /v3/roles/:roleId"),
    "organization": ("GET /v3/organizations/:organizationId",),
    "chart_of_accounts": (
        "GET /v3/classifications/chart-of-accounts",
        "GET /v3/classifications/chart-of-accounts/:id",
    ),
    "accounting_classes": (
        "GET /v3/classifications/accounting-classes",
        "GET /v3/classifications/accounting-classes/:id",
    ),
    "departments": ("GET /v3/classifications/departments", "GET /v3/classifications/departments/:id"),
    "employees": ("GET /v3/classifications/employees", "GET /v3/classifications/employees/:id"),
    "items": ("GET /v3/classifications/items", "GET /v3/classifications/items/:id"),
    "jobs": ("GET /v3/classifications/jobs", "GET /v3/classifications/jobs/:id"),
    "locations": ("GET /v3/classifications/locations", "GET /v3/classifications/locations/:id"),
    "bank_accounts": ("GET /v3/funding-accounts/banks", "GET /v3/funding-accounts/banks/:bankAccountId"),
    # No example exists for customer bank accounts; BILL documents no shape either. The org
    # bank-account shape is the documented best proxy (REFERENCE §4.1).
    "customer_bank_accounts": (
        "GET /v3/funding-accounts/banks",
        "GET /v3/funding-accounts/banks/:bankAccountId",
    ),
    "organizations": ("GET /v3/partner/organizations",),
    "partner_users": ("GET /v3/partner/users", "GET /v3/partner/users/:userId"),
    "partner_roles": ("GET /v3/partner/roles", "GET /v3/partner/roles/:roleId"),
    "spend_transactions": ("GET /v3/spend/transactions", "GET /v3/spend/transactions/:transactionId"),
    "spend_reimbursements": (
        "GET /v3/spend/reimbursements",
        "GET /v3/spend/reimbursements/:reimbursementId",
    ),
    "spend_cards": ("GET /v3/spend/cards", "GET /v3/spend/cards/:cardId"),
    "spend_budgets": ("GET /v3/spend/budgets", "GET /v3/spend/budgets/:budgetId"),
    "spend_users": ("GET /v3/spend/users", "GET /v3/spend/users/:userId"),
    "spend_custom_fields": (
        "GET /v3/spend/custom-fields",
        "GET /v3/spend/custom-fields/:customFieldId",
    ),
}

#: stream -> its primary key where it is not `id`. Spend & Expense objects carry `id` and `uuid`;
#: since July 2025 BILL deprecates the `id` in favour of the `uuid` (REFERENCE §4.3).
PRIMARY_KEYS: Mapping[str, str] = {
    stream: "uuid" for stream in STREAM_ENDPOINTS if stream.startswith("spend_")
}

_STRING = {"type": "string"}
_BOOLEAN = {"type": "boolean"}

#: Fields documented outside the collection (REFERENCE.md §4), or added by the connector.
EXTRA_FIELDS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "customers": {"hasBankAccount": _BOOLEAN, "authorizedToCharge": _BOOLEAN},
    "invoices": {"recordStatus": _STRING, "createdBy": _STRING, "paymentTermId": _STRING},
    "bills": {"recordStatus": _STRING},
    "spend_transactions": {"parentBudgetUuid": _STRING},
    # Added by the connector from the parent record.
    "customer_bank_accounts": {"customerId": _STRING},
    "partner_users": {"organizationId": _STRING},
    "partner_roles": {"organizationId": _STRING},
}

#: Streams read per partner or Spend & Expense company, not per AP/AR organization: their records
#: get no `organizationId` from the connector (source_bill/organization_tag.py).
_NOT_PER_ORGANIZATION = frozenset({"organizations", "partner_users", "partner_roles"})


def per_organization(stream: str) -> bool:
    """Whether the connector tags the stream's records with their AP/AR `organizationId`."""
    return not stream.startswith("spend_") and stream not in _NOT_PER_ORGANIZATION


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_examples(collection: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Map "METHOD path" to the decoded bodies of its 200/201 example answers."""
    found: dict[str, list[Any]] = {}

    def walk(items: Iterable[Mapping[str, Any]]) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            request = item.get("request") or {}
            url = request.get("url")
            raw = url.get("raw", "") if isinstance(url, Mapping) else str(url or "")
            path = raw.replace("{{baseUrl}}", "").split("?")[0]
            key = f"{request.get('method', 'GET')} {path}"
            for response in item.get("response") or []:
                if response.get("code") not in (200, 201) or not response.get("body"):
                    continue
                try:
                    found.setdefault(key, []).append(json.loads(response["body"]))
                except ValueError:
                    continue

    walk(collection.get("item") or [])
    return found


def records_of(endpoint: str, bodies: Iterable[Any]) -> list[Mapping[str, Any]]:
    """The record objects in an endpoint's example bodies."""
    records: list[Mapping[str, Any]] = []
    for body in bodies:
        if isinstance(body, Mapping) and isinstance(body.get("results"), list):
            records.extend(r for r in body["results"] if isinstance(r, Mapping))
        elif isinstance(body, Mapping):
            records.append(body)
    return records


def _scalar_type(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return None


def infer(values: list[Any]) -> dict[str, Any]:
    """A nullable JSON schema covering every value in `values`."""
    types = {t for t in (_scalar_type(v) for v in values) if t}
    if types == {"integer", "number"}:
        types = {"number"}
    if not types:
        return {"type": ["string", "null"]}
    if len(types) > 1:
        # Conflicting examples: accept anything rather than fail validation.
        return {}
    kind = types.pop()
    schema: dict[str, Any] = {"type": [kind, "null"]}
    present = [v for v in values if v is not None]
    if kind == "string":
        if all(_DATE_TIME.match(v) for v in present):
            schema["format"] = "date-time"
        elif all(_DATE.match(v) for v in present):
            schema["format"] = "date"
    elif kind == "object":
        schema.update(object_schema(present))
    elif kind == "array":
        items = [element for value in present for element in value]
        schema["items"] = infer(items) if items else {}
    return schema


def object_schema(objects: list[Mapping[str, Any]]) -> dict[str, Any]:
    """`properties` (in first-seen order) for a list of example objects."""
    names: list[str] = []
    for obj in objects:
        names.extend(name for name in obj if name not in names)
    properties = {name: infer([obj.get(name) for obj in objects if name in obj]) for name in names}
    return {"additionalProperties": True, "properties": properties}


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(schema)
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    return result


#: Line-item stream -> (parent stream, the parent's field holding its lines, the parent-id key each
#: line gets). A line record is the line, its parent's id and its parent's `updatedTime`.
LINE_ITEM_STREAMS: Mapping[str, tuple[str, str, str]] = {
    "invoice_line_items": ("invoices", "invoiceLineItems", "invoiceId"),
    "bill_line_items": ("bills", "billLineItems", "billId"),
    "credit_memo_line_items": ("credit_memos", "creditMemoLineItems", "creditMemoId"),
    "vendor_credit_line_items": ("vendor_credits", "vendorCreditLineItems", "vendorCreditId"),
}


def _records(stream: str, examples: Mapping[str, list[Any]]) -> list[Mapping[str, Any]]:
    if stream in LINE_ITEM_STREAMS:
        parent, lines_field, parent_key = LINE_ITEM_STREAMS[stream]
        return [
            {**line, parent_key: document.get("id"), "updatedTime": document.get("updatedTime")}
            for document in _records(parent, examples)
            for line in document.get(lines_field) or []
            if isinstance(line, Mapping)
        ]
    records: list[Mapping[str, Any]] = []
    for endpoint in STREAM_ENDPOINTS[stream]:
        if endpoint not in examples:
            raise SystemExit(f"{stream}: the collection has no example answer for {endpoint}")
        records.extend(records_of(endpoint, examples[endpoint]))
    return records


def stream_schema(stream: str, examples: Mapping[str, list[Any]]) -> dict[str, Any]:
    records = _records(stream, examples)
    if not records:
        raise SystemExit(f"{stream}: no example records found")
    body = object_schema(records)
    for name, extra in EXTRA_FIELDS.get(stream, {}).items():
        body["properties"].setdefault(name, nullable(extra))
    if per_organization(stream):
        body["properties"].setdefault("organizationId", nullable(_STRING))
    key = PRIMARY_KEYS.get(stream, "id")
    if key not in body["properties"]:
        raise SystemExit(f"{stream}: the collection's examples have no {key}, the stream's primary key")
    body["properties"][key] = {"type": "string"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": [key],
        **body,
    }


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--out", type=Path, default=SCHEMAS_DIR)
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args(argv)

    examples = load_examples(json.loads(args.collection.read_text()))
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for stream in sorted([*STREAM_ENDPOINTS, *LINE_ITEM_STREAMS]):
        target = args.out / f"{stream}.json"
        text = render(stream_schema(stream, examples))
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
