"""The lists conform reads, per kind of access: the connector's streams (source_bill/manifest.yaml)
and how BILL documents paging, filtering and sorting each (REFERENCE §3)."""

from __future__ import annotations

from dataclasses import dataclass

AP_AR_TIME_OPS = frozenset({"gt", "gte", "lt", "lte"})
SPEND_TIME_OPS = frozenset({"gte", "lte"})  # S&E transactions: updatedTime lte/gte (2026-01-26)


@dataclass(frozen=True)
class ListSpec:
    """One list: its stream (schema name), path under /v3 and the names its queries use."""

    stream: str
    path: str  # e.g. /invoices; `{customerId}` or `{organizationId}` filled from a parent row
    family: str
    id_filter: str = "id"  # the filter field that selects rows by id
    cursor: str = "page"  # the query parameter that takes nextPage / prevPage tokens
    prev_cursor: str = "page"
    max_page: int = 100
    time_ops: frozenset[str] = AP_AR_TIME_OPS  # operators on updatedTime, empty if none documented
    sort_field: str = "updatedTime"  # a date-time field `sort=<field>:asc` orders by
    order_keys: tuple[str, ...] = ("createdTime", "updatedTime", "id")  # candidate default orders
    archive_flag: str = "archived"
    single: bool = False  # one object, not a list (GET /organizations/{id})
    needs_organization: bool = False  # partner user-level list: organizationId header


def _ap_ar(stream: str, path: str, **kwargs: object) -> ListSpec:
    return ListSpec(stream, path, "ap_ar", **kwargs)  # type: ignore[arg-type]


def _spend(stream: str, path: str, **kwargs: object) -> ListSpec:
    defaults: dict[str, object] = {
        "cursor": "nextPage",
        "prev_cursor": "prevPage",
        "time_ops": frozenset(),
        "sort_field": "",
        "order_keys": ("createdTime", "id"),
        "archive_flag": "retired",
    }
    defaults.update(kwargs)
    return ListSpec(stream, path, "spend", **defaults)  # type: ignore[arg-type]


STREAMS: dict[str, tuple[ListSpec, ...]] = {
    "ap_ar": (
        _ap_ar("customers", "/customers"),
        _ap_ar("customer_bank_accounts", "/customers/{customerId}/bank-accounts"),
        _ap_ar("invoices", "/invoices"),
        _ap_ar("receivable_payments", "/receivable-payments"),
        _ap_ar("credit_memos", "/credit-memos"),
        _ap_ar("recurring_invoices", "/recurring-invoices"),
        _ap_ar("vendors", "/vendors"),
        _ap_ar("bills", "/bills"),
        _ap_ar("payments", "/payments"),
        _ap_ar("vendor_credits", "/vendor-credits"),
        _ap_ar("recurring_bills", "/recurringbills"),
        _ap_ar("users", "/users"),
        _ap_ar("roles", "/roles"),
        _ap_ar("organization", "/organizations/{organizationId}", single=True),
        _ap_ar("chart_of_accounts", "/classifications/chart-of-accounts"),
        _ap_ar("accounting_classes", "/classifications/accounting-classes"),
        _ap_ar("departments", "/classifications/departments"),
        _ap_ar("employees", "/classifications/employees"),
        _ap_ar("items", "/classifications/items"),
        _ap_ar("jobs", "/classifications/jobs"),
        _ap_ar("locations", "/classifications/locations"),
        _ap_ar("bank_accounts", "/funding-accounts/banks"),
    ),
    "partner": (
        ListSpec("organizations", "/partner/organizations", "partner"),
        ListSpec("partner_users", "/partner/users", "partner", needs_organization=True),
        ListSpec("partner_roles", "/partner/roles", "partner", needs_organization=True),
    ),
    "spend": (
        _spend(
            "spend_transactions",
            "/spend/transactions",
            id_filter="transactionIds",
            max_page=50,
            time_ops=SPEND_TIME_OPS,
            sort_field="occurredTime",
            order_keys=("occurredTime", "updatedTime", "id"),
        ),
        _spend("spend_reimbursements", "/spend/reimbursements", id_filter="reimbursementIds"),
        _spend("spend_cards", "/spend/cards", id_filter="cardIds"),
        _spend("spend_budgets", "/spend/budgets", id_filter="budgetIds"),
        _spend("spend_users", "/spend/users", id_filter="userIds"),
        _spend("spend_custom_fields", "/spend/custom-fields", id_filter="customFieldIds"),
    ),
}

#: The lists the paging, filter and sort probes use, best first: BILL documents `id` (eq, in),
#: `updatedTime` (gt, gte, lt, lte) and `sort=updatedTime` for vendors, customers, bills and invoices.
SUBJECT_CANDIDATES = {
    "ap_ar": ("invoices", "bills", "customers", "vendors"),
    "partner": ("organizations",),
    "spend": ("spend_transactions",),
}
#: Lists the archived-records probe looks in for an archived (S&E: retired) record.
ARCHIVE_CANDIDATES = {
    "ap_ar": ("invoices", "bills", "customers", "vendors"),
    "partner": ("organizations",),
    "spend": ("spend_users",),
}


def streams(family: str) -> tuple[ListSpec, ...]:
    return STREAMS[family]


def spec(family: str, stream: str) -> ListSpec:
    for item in STREAMS[family]:
        if item.stream == stream:
            return item
    raise KeyError(stream)
