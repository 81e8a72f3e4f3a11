"""Organization extras: the industry list, BILL's monthly billing statements and the price plan.

Statements and the plan are derived, not stored: an organization is billed each month since it was
created, on the first of the next month, paid by auto-debit PAYMENT_DELAY_DAYS later. The plan is the
one the partner set (partner.PRICE_PLAN_KIND records), else one chosen from the organization id.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import random
import string
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.backends.mfa import require_admin
from bill_emulator.backends.organizations import signed_in_organization
from bill_emulator.backends.partner import PRICE_PLAN_KIND
from bill_emulator.errors import invalid_parameter, not_found
from bill_emulator.fake import parse_timestamp
from bill_emulator.timefmt import format_date, parse_date

PAYMENT_DELAY_DAYS = 5
INDUSTRIES = (
    "ACCOUNTING",
    "ADVERTISING_MARKETING",
    "AGRICULTURE",
    "ARCHITECTURE_ENGINEERING",
    "ARTS_ENTERTAINMENT",
    "AUTOMOTIVE",
    "CONSTRUCTION",
    "CONSULTING",
    "EDUCATION",
    "FINANCIAL_SERVICES",
    "FOOD_BEVERAGE",
    "GOVERNMENT",
    "HEALTHCARE",
    "HOSPITALITY",
    "INSURANCE",
    "LEGAL",
    "MANUFACTURING",
    "MEDIA_PUBLISHING",
    "NONPROFIT",
    "PROFESSIONAL_SERVICES",
    "REAL_ESTATE",
    "RETAIL",
    "SOFTWARE_TECHNOLOGY",
    "TELECOMMUNICATIONS",
    "TRANSPORTATION_LOGISTICS",
    "UTILITIES",
    "WHOLESALE_DISTRIBUTION",
    "OTHER",
)
# Partners set up to five price plans, PricePlan1..PricePlan5 (see PATCH /v3/partner/organizations/
# {organizationId}/price-plan): name, monthly price per user for the first five users, and after that.
PRICE_PLANS = {
    "PricePlan1": ("Essentials", 45.0, 45.0),
    "PricePlan2": ("Team", 55.0, 50.0),
    "PricePlan3": ("Corporate", 79.0, 69.0),
    "PricePlan4": ("Enterprise", 99.0, 85.0),
    "PricePlan5": ("Partner Wholesale", 25.0, 20.0),
}
# (plan term name, statement line description, price per transaction)
USAGE = (
    ("achProcessedCount", "ACH payments", 0.59),
    ("checkProcessedCount", "Check payments", 2.09),
    ("suaProcessedCount", "Virtual card payments", 0.0),
)
_ALPHABET = string.ascii_letters + string.digits


def _stable_id(prefix: str, *parts: str) -> str:
    """A BILL-looking 20-character id that is always the same for the same parts."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return prefix + "01" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:15])


def list_industries() -> dict[str, Any]:
    """The values the organization `industry` field takes."""
    return {"results": list(INDUSTRIES)}


# -- price plan ----------------------------------------------------------------------------------
def plan_key(ctx: Context, organization_id: str) -> str:
    """The plan the partner chose for the organization; before any choice, one of the first three."""
    chosen = ctx.store.get(PRICE_PLAN_KIND, organization_id)
    if chosen is not None and chosen.body.get("pricePlanType") in PRICE_PLANS:
        return chosen.body["pricePlanType"]
    keys = sorted(PRICE_PLANS)[:3]
    return keys[int(hashlib.sha256(organization_id.encode()).hexdigest(), 16) % len(keys)]


def price_plan(ctx: Context, organization_id: str) -> dict[str, Any]:
    key = plan_key(ctx, organization_id)
    name, price, volume_price = PRICE_PLANS[key]
    terms = [
        {"type": "SUBSCRIPTION", "name": "userCount", "tier": 1, "quantity": 5, "price": price},
        {"type": "SUBSCRIPTION", "name": "userCount", "tier": 2, "quantity": 20, "price": volume_price},
    ]
    terms += [{"type": "TRANSACTION", "name": n, "tier": 1, "quantity": 1, "price": p} for n, _, p in USAGE]
    terms.append({"type": "DISCOUNT", "name": "discount", "tier": 1, "quantity": 1, "price": 0.0})
    return {
        "id": _stable_id("ppl", key),
        "name": name,
        "monthlyPrice": price,
        "allowTrial": False,
        "priceVariesPerUser": price != volume_price,
        "planTerms": terms,
    }


def get_price_plan(ctx: Context, org_id: str) -> dict[str, Any]:
    """The signed-in organization's price plan (ADMINISTRATOR only)."""
    org = signed_in_organization(ctx, org_id)
    require_admin(ctx)
    return price_plan(ctx, org["id"])


# -- billing statements --------------------------------------------------------------------------
def _subscription(users: int, plan: dict[str, Any]) -> float:
    first, second = plan["planTerms"][0], plan["planTerms"][1]
    in_first = min(users, first["quantity"])
    return round(in_first * first["price"] + (users - in_first) * second["price"], 2)


def statements(ctx: Context, org: dict[str, Any]) -> list[dict[str, Any]]:
    """Every monthly statement of the organization, newest first, with their details."""
    plan = price_plan(ctx, org["id"])
    users = max(1, ctx.store.count("users", org["id"]))
    today = ctx.clock.utcnow().date()
    created = parse_timestamp(org["createdTime"]).date()
    month = date(created.year, created.month, 1)
    result = []
    while True:
        end = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        invoice_date = end + timedelta(days=1)
        if invoice_date > today:
            break
        rng = random.Random(f"{org['id']}-{month:%Y%m}")
        details = [
            {
                "quantity": users,
                "description": f"{plan['name']} plan subscription ({users} users)",
                "type": "SUBSCRIPTION",
                "amount": _subscription(users, plan),
            }
        ]
        for _, description, price in USAGE:
            count = rng.randint(0, 60)
            if count:
                details.append(
                    {
                        "quantity": count,
                        "description": description,
                        "type": "TRANSACTION",
                        "amount": round(count * price, 2),
                    }
                )
        payment_date = invoice_date + timedelta(days=PAYMENT_DELAY_DAYS)
        result.append(
            {
                "amount": round(sum(d["amount"] for d in details), 2),
                "billingPeriod": {"startDate": format_date(month), "endDate": format_date(end)},
                "description": f"BILL subscription and usage for {month:%B %Y}",
                "id": _stable_id("bst", org["id"], f"{month:%Y%m}"),
                "invoiceDate": format_date(invoice_date),
                "invoiceNumber": f"BDC-{month:%Y%m}-{rng.randint(100000, 999999)}",
                "paymentStatus": "PAID" if payment_date <= today else "UNPAID",
                "paymentDate": format_date(payment_date),
                "statementDetails": details,
            }
        )
        month = invoice_date
    result.reverse()
    return result


_LIST_FIELDS = (
    "amount",
    "billingPeriod",
    "description",
    "id",
    "invoiceDate",
    "invoiceNumber",
    "paymentStatus",
    "paymentDate",
)


def _page_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset, "f": fingerprint})).rstrip(b"=").decode()


def _offset(token: str, fingerprint: str) -> int:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, token_fingerprint = int(payload["o"]), payload["f"]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise invalid_parameter("Invalid page token.") from None
    if token_fingerprint != fingerprint or offset < 0:
        raise invalid_parameter("Invalid page token.")
    return offset


def list_billing_statements(ctx: Context, org_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """By page (max, page) or by invoice date range (invoiceDateFrom/To)."""
    org = signed_in_organization(ctx, org_id)
    start, end = query.get("invoiceDateFrom"), query.get("invoiceDateTo")
    items = statements(ctx, org)
    if start or end:
        if not (start and end):
            raise invalid_parameter("Set both invoiceDateFrom and invoiceDateTo.")
        if query.get("max") or query.get("page"):
            raise invalid_parameter("max and page cannot be set with invoiceDateFrom and invoiceDateTo.")
        try:
            start, end = parse_date(start), parse_date(end)
        except ValueError:
            raise invalid_parameter(
                "invoiceDateFrom and invoiceDateTo must be dates in yyyy-MM-dd format."
            ) from None
        chosen = [s for s in items if start <= s["invoiceDate"] <= end]
        return {"results": [{k: s[k] for k in _LIST_FIELDS} for s in chosen]}
    raw_max = query.get("max") or "20"
    if not raw_max.isdigit() or not 1 <= int(raw_max) <= 100:
        raise invalid_parameter("max must be an integer between 1 and 100.")
    size, fingerprint = int(raw_max), org["id"][-8:]
    offset = _offset(query["page"], fingerprint) if query.get("page") else 0
    payload: dict[str, Any] = {
        "results": [{k: s[k] for k in _LIST_FIELDS} for s in items[offset : offset + size]]
    }
    if offset + size < len(items):
        payload["nextPage"] = _page_token(offset + size, fingerprint)
    if offset > 0:
        payload["prevPage"] = _page_token(max(offset - size, 0), fingerprint)
    return payload


def get_billing_statement(ctx: Context, org_id: str, statement_id: str, host: str) -> dict[str, Any]:
    """One statement with its line details and download links (they point at the emulator)."""
    org = signed_in_organization(ctx, org_id)
    found = next((s for s in statements(ctx, org) if s["id"] == statement_id), None)
    if found is None:
        raise not_found("Billing statement", statement_id)
    link = f"http://{host}/connect/v3/organizations/{org['id']}/billing-statements/{statement_id}/download"
    detail = {k: found[k] for k in ("amount", "billingPeriod", "description")}
    detail["downloadLink"] = {"csv": f"{link}?format=csv", "pdf": f"{link}?format=pdf"}
    detail.update({k: found[k] for k in _LIST_FIELDS[3:]})
    detail["statementDetails"] = found["statementDetails"]
    return detail
