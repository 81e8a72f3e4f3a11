"""The seven classifications under /v3/classifications: chart of accounts, accounting classes,
departments, employees, items, jobs and locations.

Each is a flat list with an optional `parentId` hierarchy inside its own kind. Bulk operations
answer with the objects wrapped under the classification's plural name (e.g. `{"chartOfAccounts": [...]}`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.errors import invalid_body
from bill_emulator.fake import parse_timestamp
from bill_emulator.resources import EQ_NE_IN, NAME, SETS, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import boolean, json_number, json_object, reject_unknown, require_fields

# QuickBooks-style account types (BILL mirrors the accounting system's chart).
ACCOUNT_TYPES = (
    "ACCOUNTS_PAYABLE",
    "ACCOUNTS_RECEIVABLE",
    "BANK",
    "COST_OF_GOODS_SOLD",
    "CREDIT_CARD",
    "EQUITY",
    "EXPENSE",
    "FIXED_ASSET",
    "INCOME",
    "LONG_TERM_LIABILITY",
    "NON_POSTING",
    "OTHER_ASSET",
    "OTHER_CURRENT_ASSET",
    "OTHER_CURRENT_LIABILITY",
    "OTHER_EXPENSE",
    "OTHER_INCOME",
)
ITEM_TYPES = (
    "SERVICE",
    "INVENTORY",
    "NON_INVENTORY",
    "OTHER_CHARGE",
    "DISCOUNT",
    "PAYMENT",
    "SALES_TAX",
    "SALES_TAX_GROUP",
    "FIXED_ASSET",
)
BULK_CREATE_LIMIT = 50

# Default value of every field a classification can carry (response order comes from `Kind.fields`).
_DEFAULTS: dict[str, Callable[[], Any]] = {
    "archived": lambda: False,
    "name": str,
    "shortName": str,
    "description": str,
    "parentId": lambda: None,
    "firstName": str,
    "lastName": str,
    "account": lambda: {"type": "EXPENSE", "number": ""},
    "type": lambda: "SERVICE",
    "price": lambda: 0.0,
    "expenseChartOfAccountId": lambda: None,
    "purchaseDescription": str,
    "purchaseCost": lambda: 0.0,
    "chartOfAccountId": lambda: None,
    "taxable": lambda: False,
    "percentage": lambda: 0.0,
}
_TEXT = frozenset({"name", "shortName", "description", "firstName", "lastName", "purchaseDescription"})
_MONEY = frozenset({"price", "purchaseCost", "percentage"})
_ACCOUNT_REFS = frozenset({"chartOfAccountId", "expenseChartOfAccountId"})
_SYSTEM = frozenset({"id", "archived", "createdTime", "updatedTime"})


@dataclass(frozen=True)
class Kind:
    """One classification: where it lives, how it is stored and what it looks like."""

    segment: str  # URL segment under /v3/classifications
    kind: str  # storage kind and seed-plan ref key
    label: str  # how errors name it
    prefix: str
    wrapper: str  # key of the array in bulk responses
    fields: tuple[str, ...]  # every field, in BILL's response order
    required: tuple[str, ...]  # required on create


_NAMED = ("id", "name", "shortName", "description", "parentId", "archived", "createdTime", "updatedTime")
KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind(
            "chart-of-accounts",
            "chart_of_accounts",
            "Chart of accounts",
            "0ca",
            "chartOfAccounts",
            ("id", "archived", "name", "description", "parentId", "account", "createdTime", "updatedTime"),
            ("name", "account"),
        ),
        Kind(
            "accounting-classes",
            "accounting_classes",
            "Accounting class",
            "cls",
            "accountingClasses",
            _NAMED,
            ("name",),
        ),
        Kind("departments", "departments", "Department", "0de", "departments", _NAMED, ("name",)),
        Kind(
            "employees",
            "employees",
            "Employee",
            "emp",
            "employees",
            (
                "id",
                "firstName",
                "lastName",
                "shortName",
                "parentId",
                "archived",
                "createdTime",
                "updatedTime",
            ),
            ("firstName", "lastName"),
        ),
        Kind(
            "items",
            "items",
            "Item",
            "0ii",
            "items",
            (
                "id",
                "type",
                "shortName",
                "name",
                "description",
                "archived",
                "parentId",
                "price",
                "expenseChartOfAccountId",
                "purchaseDescription",
                "purchaseCost",
                "chartOfAccountId",
                "taxable",
                "percentage",
                "createdTime",
                "updatedTime",
            ),
            ("name", "type"),
        ),
        Kind("jobs", "jobs", "Job", "job", "jobs", _NAMED, ("name",)),
        Kind("locations", "locations", "Location", "loc", "locations", _NAMED, ("name",)),
    )
}


# -- build -------------------------------------------------------------------------------------
def _builder(spec: Kind) -> Callable[[Context, dict[str, Any]], dict[str, Any]]:
    def build(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for name in spec.fields:
            if name in data:
                obj[name] = data[name]
            elif name in _DEFAULTS:
                obj[name] = _DEFAULTS[name]()
        if "account" in obj:
            obj["account"] = {"type": "EXPENSE", "number": "", **obj["account"]}
        obj["archived"] = bool(obj.get("archived", False))
        return obj

    return build


# -- validate ----------------------------------------------------------------------------------
def _validator(spec: Kind) -> Callable[[Context, dict[str, Any], dict[str, Any] | None], dict[str, Any]]:
    writable = frozenset(spec.fields) - _SYSTEM

    def validate(ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        reject_unknown(body, writable | {"id"})
        fields = {k: v for k, v in body.items() if k in writable}
        if existing is None:
            require_fields(fields, spec.required, blank=lambda value: value in (None, "", {}))
        for key, value in fields.items():
            if key in _TEXT:
                if not isinstance(value, str):
                    raise invalid_body(f"{key}: must be a string")
                if key in spec.required and not value.strip():
                    raise invalid_body(f"{key}: must not be blank")
            elif key in _MONEY:
                fields[key] = round(float(json_number(value, key)), 5 if key == "percentage" else 2)
            elif key == "taxable":
                boolean(value, "taxable")
        if "type" in fields and fields["type"] not in ITEM_TYPES:
            raise invalid_body(f"type: must be one of {', '.join(ITEM_TYPES)}")
        if "account" in fields:
            fields["account"] = _account(fields["account"], existing)
        for key in _ACCOUNT_REFS & set(fields):
            fields[key] = _reference(ctx, KINDS["chart_of_accounts"], key, fields[key])
        if "parentId" in fields:
            fields["parentId"] = _parent(ctx, spec, fields["parentId"], existing)
        return fields

    return validate


def _account(value: Any, existing: dict[str, Any] | None) -> dict[str, Any]:
    json_object(value, "account")
    reject_unknown(value, {"type", "number"}, prefix="account.")
    if existing is None and not value.get("type"):
        raise invalid_body("account.type: must not be blank")
    if "type" in value and value["type"] not in ACCOUNT_TYPES:
        raise invalid_body(f"account.type: must be one of {', '.join(ACCOUNT_TYPES)}")
    if "number" in value and not isinstance(value["number"], str):
        raise invalid_body("account.number: must be a string")
    return dict(value)


def _reference(ctx: Context, target: Kind, key: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid_body(f"{key}: must be a string")
    row = ctx.store.get(target.kind, value)
    if row is None or row.scope != ctx.scope:
        raise invalid_body(f"{key}: {target.label} {value} does not exist.")
    return value


def _parent(ctx: Context, spec: Kind, value: Any, existing: dict[str, Any] | None) -> str | None:
    parent_id = _reference(ctx, spec, "parentId", value)
    if parent_id is None or existing is None:
        return parent_id
    seen = {existing["id"]}
    current: str | None = parent_id
    while current:  # walking up must never come back to the object itself
        if current in seen:
            raise invalid_body(f"parentId: {spec.label} {existing['id']} cannot be its own ancestor.")
        seen.add(current)
        row = ctx.store.get(spec.kind, current)
        current = row.body.get("parentId") if row else None
    return parent_id


# -- resources ---------------------------------------------------------------------------------
def _filters(spec: Kind) -> dict[str, Field]:
    extra: dict[str, Field] = {"parentId": Field("string", EQ_NE_IN)}
    if "name" in spec.fields:
        extra["name"] = Field("string", NAME)
    if spec.kind == "employees":
        extra.update(firstName=Field("string", NAME), lastName=Field("string", NAME))
    if spec.kind == "chart_of_accounts":
        extra["account.type"] = Field("string", SETS, path="account.type")
        extra["account.number"] = Field("string", EQ_NE_IN, path="account.number")
    if spec.kind == "items":
        extra.update(type=Field("string", SETS), chartOfAccountId=Field("string", EQ_NE_IN))
    return base_filters(**extra)


def _sorts(spec: Kind) -> frozenset[str]:
    wanted = {"archived", "name", "shortName", "description", "firstName", "lastName", "type", "price"}
    return frozenset({*(wanted & set(spec.fields)), "createdTime", "updatedTime"})


RESOURCES: dict[str, Resource] = {
    spec.kind: register(
        Resource(
            spec.kind,
            spec.label,
            spec.prefix,
            _builder(spec),
            validate=_validator(spec),
            filters=_filters(spec),
            sorts=_sorts(spec),
        )
    )
    for spec in KINDS.values()
}
CHART_OF_ACCOUNTS = RESOURCES["chart_of_accounts"]


# -- seed --------------------------------------------------------------------------------------
# (number, name, type, description, parent number)
CHART = (
    ("1000", "Checking", "BANK", "Operating checking account", None),
    ("1010", "Savings", "BANK", "Business savings account", None),
    ("1200", "Accounts Receivable", "ACCOUNTS_RECEIVABLE", "Amounts owed by customers", None),
    ("1300", "Inventory Asset", "OTHER_CURRENT_ASSET", "Goods held for sale", None),
    ("1400", "Prepaid Expenses", "OTHER_CURRENT_ASSET", "Expenses paid in advance", None),
    ("1500", "Furniture and Equipment", "FIXED_ASSET", "Office furniture, computers and equipment", None),
    ("1510", "Accumulated Depreciation", "FIXED_ASSET", "Depreciation of furniture and equipment", "1500"),
    ("2000", "Accounts Payable", "ACCOUNTS_PAYABLE", "Amounts owed to vendors", None),
    ("2100", "Company Credit Card", "CREDIT_CARD", "Corporate card balance", None),
    ("2200", "Sales Tax Payable", "OTHER_CURRENT_LIABILITY", "Sales tax collected, not yet remitted", None),
    ("2300", "Payroll Liabilities", "OTHER_CURRENT_LIABILITY", "Payroll taxes and withholdings", None),
    ("2700", "Long-Term Loan", "LONG_TERM_LIABILITY", "Equipment loan", None),
    ("3000", "Owner's Equity", "EQUITY", "Owner contributions", None),
    ("3900", "Retained Earnings", "EQUITY", "Accumulated earnings", None),
    ("4000", "Sales", "INCOME", "Product sales", None),
    ("4010", "Service Revenue", "INCOME", "Services billed to customers", "4000"),
    ("4100", "Consulting Income", "INCOME", "Consulting engagements", None),
    ("4900", "Interest Income", "OTHER_INCOME", "Bank interest", None),
    ("5000", "Cost of Goods Sold", "COST_OF_GOODS_SOLD", "Direct cost of products sold", None),
    ("6000", "Advertising and Marketing", "EXPENSE", "Ads, events and promotion", None),
    ("6100", "Bank Service Charges", "EXPENSE", "Bank and payment processing fees", None),
    ("6200", "Office Expenses", "EXPENSE", "General office costs", None),
    ("6210", "Office Supplies", "EXPENSE", "Paper, toner and small supplies", "6200"),
    ("6220", "Postage and Delivery", "EXPENSE", "Shipping and courier costs", "6200"),
    ("6300", "Rent Expense", "EXPENSE", "Office and warehouse rent", None),
    ("6400", "Utilities", "EXPENSE", "Electricity, water and internet", None),
    ("6500", "Professional Fees", "EXPENSE", "Legal and accounting fees", None),
    ("6600", "Software Subscriptions", "EXPENSE", "SaaS and software licenses", None),
    ("6700", "Travel and Meals", "EXPENSE", "Business travel and meals", None),
    ("6800", "Insurance", "EXPENSE", "Liability and property insurance", None),
    ("6900", "Payroll Expenses", "EXPENSE", "Wages and payroll taxes", None),
    ("7000", "Depreciation Expense", "OTHER_EXPENSE", "Depreciation of fixed assets", None),
)
# (name, shortName, description, parent name)
ACCOUNTING_CLASSES = (
    ("Retail", "RTL", "Retail store sales and costs", None),
    ("Wholesale", "WHL", "Wholesale distribution", None),
    ("Online", "ONL", "E-commerce channel", None),
    ("Marketplace", "MKT", "Third-party marketplace sales", "Online"),
    ("Services", "SVC", "Professional services engagements", None),
)
DEPARTMENTS = (
    ("Sales", "SLS", "Sales organization", None),
    ("Inside Sales", "ISL", "Phone and online sales", "Sales"),
    ("Field Sales", "FSL", "Territory account managers", "Sales"),
    ("Marketing", "MKT", "Brand and demand generation", None),
    ("Operations", "OPS", "Fulfilment and logistics", None),
    ("Finance", "FIN", "Accounting and finance", None),
    ("Engineering", "ENG", "Product engineering", None),
    ("Customer Support", "SUP", "Customer success and support", None),
)
LOCATIONS = (
    ("Headquarters", "HQ", "Main office", None),
    ("Austin Office", "AUS", "Austin, TX sales office", None),
    ("Denver Warehouse", "DEN", "Denver, CO distribution center", None),
    ("Remote", "RMT", "Remote employees", None),
)
JOBS = (
    ("Website Redesign", "WEB", "New website and brand refresh", None),
    ("Office Move", "MOVE", "Relocation to the new headquarters", None),
    ("Kitchen Remodel", "KIT", "New cabinets & countertop", None),
    ("Warehouse Expansion", "WHX", "Racking and floor space expansion", None),
    ("ERP Implementation", "ERP", "Accounting system rollout", None),
)
# (name, type, price, purchase cost, income account, expense account, taxable, percentage)
ITEMS = (
    ("Consulting hours", "SERVICE", 150.0, 0.0, "4100", None, False, 0.0),
    ("Annual support plan", "SERVICE", 1200.0, 0.0, "4010", None, False, 0.0),
    ("Widget, large", "INVENTORY", 89.0, 41.5, "4000", "5000", True, 0.0),
    ("Installation", "SERVICE", 250.0, 0.0, "4010", None, False, 0.0),
    ("Training session", "SERVICE", 400.0, 0.0, "4010", None, False, 0.0),
    ("Monthly subscription", "NON_INVENTORY", 49.0, 0.0, "4000", None, True, 0.0),
    ("Replacement parts", "INVENTORY", 35.0, 14.25, "4000", "5000", True, 0.0),
    ("Design work", "SERVICE", 120.0, 0.0, "4010", None, False, 0.0),
    ("Shipping and handling", "OTHER_CHARGE", 15.0, 0.0, "4000", "6220", False, 0.0),
    ("Audit services", "SERVICE", 2500.0, 0.0, "4100", None, False, 0.0),
    ("State Sales Tax", "SALES_TAX", 0.0, 0.0, "2200", None, False, 8.25),
)


def _times(plan: SeedPlan, early: bool) -> tuple[str, str]:
    """Most classifications are set up with the organization; a few are added later."""
    f = plan.ctx.fake
    if early:
        created = f.moment_between(plan.start - timedelta(days=29), plan.start - timedelta(days=1))
    else:
        created = f.moment_between(plan.start, plan.end - timedelta(hours=1))
    updated: datetime = created if f.chance(0.75) else f.moment_between(created, plan.end)
    return format_timestamp(created), format_timestamp(updated)


def _insert(
    plan: SeedPlan, kind: str, rows: list[dict[str, Any]], key: str | None = None
) -> list[dict[str, Any]]:
    """Build complete objects from seed rows and insert them in one go.

    Rows may name their parent (`_parent`, matched against `row[key]`); the last row is sometimes a
    later addition, and now and then a leaf has been archived since.
    """
    ctx, spec, f = plan.ctx, KINDS[kind], plan.ctx.fake
    build = RESOURCES[kind].build
    objects = []
    for index, row in enumerate(rows):
        created, updated = _times(plan, early=index < len(rows) - 1 or f.chance(0.3))
        data = {k: v for k, v in row.items() if not k.startswith("_")}
        data.update(id=ctx.ids.new(spec.prefix), createdTime=created, updatedTime=updated)
        objects.append(build(ctx, data))
    if key is not None:
        by_key = {row[key]: obj for row, obj in zip(rows, objects, strict=True)}
        for row, obj in zip(rows, objects, strict=True):
            parent = by_key.get(row.get("_parent"))
            if parent is not None:
                obj["parentId"] = parent["id"]
                # A child never predates its parent.
                obj["createdTime"] = max(obj["createdTime"], parent["createdTime"])
                obj["updatedTime"] = max(obj["updatedTime"], obj["createdTime"])
    parents = {o["parentId"] for o in objects}
    leaves = [o for o in objects if o["id"] not in parents]
    if kind != "chart_of_accounts" and f.chance(0.5):
        retired = f.choice(leaves)
        retired["archived"] = True
        since = max(plan.start, parse_timestamp(retired["createdTime"]))
        retired["updatedTime"] = format_timestamp(f.moment_between(since, plan.end))
    ctx.store.insert_many(kind, ctx.scope, objects)
    plan.refs[kind] = [o["id"] for o in objects if not o["archived"]]
    return objects


def _named(rows: tuple[tuple[str, str, str, str | None], ...]) -> list[dict[str, Any]]:
    return [{"name": n, "shortName": s, "description": d, "_parent": p} for n, s, d, p in rows]


def seed(plan: SeedPlan) -> None:
    """A realistic chart of accounts and a few of each other classification, with refs for later families.

    plan.refs[kind] holds the active ids of each classification; plan.extra has the chart of accounts
    by account number and by account type (bank accounts for payments, income accounts for invoices...).
    """
    f = plan.ctx.fake
    chart_rows = [
        {"name": name, "description": d, "account": {"type": t, "number": n}, "_number": n, "_parent": p}
        for n, name, t, d, p in CHART
    ]
    chart = _insert(plan, "chart_of_accounts", chart_rows, "_number")
    by_number = {obj["account"]["number"]: obj["id"] for obj in chart}
    by_type: dict[str, list[str]] = {}
    for obj in chart:
        by_type.setdefault(obj["account"]["type"], []).append(obj["id"])
    plan.extra["chart_of_accounts_by_number"] = by_number
    plan.extra["chart_of_accounts_by_type"] = by_type

    for kind, rows in (
        ("accounting_classes", ACCOUNTING_CLASSES),
        ("departments", DEPARTMENTS),
        ("locations", LOCATIONS),
        ("jobs", JOBS),
    ):
        _insert(plan, kind, _named(rows), "name")

    employees = []
    for _ in range(f.integer(5, 8)):
        first, last = f.first_name(), f.last_name()
        employees.append({"firstName": first, "lastName": last, "shortName": f"{first} {last[0]}."})
    _insert(plan, "employees", employees)

    items = [
        {
            "name": name,
            "type": item_type,
            "description": "" if item_type == "SALES_TAX" else name,
            "price": price,
            "purchaseCost": cost,
            "purchaseDescription": name if cost else "",
            "chartOfAccountId": by_number[income],
            "expenseChartOfAccountId": by_number[expense] if expense else None,
            "taxable": taxable,
            "percentage": percentage,
        }
        for name, item_type, price, cost, income, expense, taxable, percentage in ITEMS
    ]
    _insert(plan, "items", items)
