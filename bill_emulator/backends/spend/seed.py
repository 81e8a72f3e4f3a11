"""Seed one spend company for the main organization: ~15 users, 8 budgets with members, ~25 cards and
custom fields (this module), then transactions and reimbursements (activity.py), and the API token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend import activity
from bill_emulator.backends.spend.budgets import build_budget, build_member
from bill_emulator.backends.spend.cards import build_card
from bill_emulator.backends.spend.catalog import BUDGETS as BUDGET_PLANS
from bill_emulator.backends.spend.catalog import (
    CATEGORIES,
    CLIENTS,
    PROJECTS,
    VENDOR_CARDS,
)
from bill_emulator.backends.spend.common import (
    BUDGETS,
    CARDS,
    CUSTOM_FIELD_VALUES,
    CUSTOM_FIELDS,
    DELETED_CARDS,
    MEMBERS,
    USERS,
    allocate,
    new_uuid,
    node_id,
)
from bill_emulator.backends.spend.company import Company
from bill_emulator.backends.spend.custom_fields import build_custom_field
from bill_emulator.backends.spend.ledger import refresh
from bill_emulator.backends.spend.users import build_user
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp

HISTORY_DAYS = 540
USER_ROLES = ("ADMIN", "ADMIN", "FINANCE_ADMIN", "BOOKKEEPER", "AUDITOR", *("MEMBER",) * 10)


def seed(plan: SeedPlan) -> None:
    """MAIN_ONLY family: the spend company, its API token (owned by its first ADMIN) and all its data."""
    base = plan.ctx
    company_id = node_id("Company", 200_000 + base.fake.integer(0, 799_999))
    end = plan.end
    start = max(plan.start, end - timedelta(days=HISTORY_DAYS))
    company = Company(base.with_scope(company_id), start, end)
    _users(company, base)
    _budgets(company)
    _cards(company)
    _custom_fields(company)
    activity.seed_transactions(company, min(max(2 * plan.invoices, 300), 4000))
    activity.seed_reimbursements(company, min(max(plan.invoices // 4, 25), 400))
    refresh(company.ctx)
    token = base.ids.token(48)
    base.store.add_credential("api_token", token, "", scope=company_id, user_id=company.admin["id"])
    plan.extra["spend_company_id"] = company_id


def _users(company: Company, base: Context) -> None:
    ctx, f = company.ctx, company.ctx.fake
    org = base.store.get("organizations", base.scope)
    domain = org.body["name"] if org else "company"
    ids = allocate(ctx, "User", len(USER_ROLES))
    seen: set[tuple[str, str]] = set()
    for index, role in enumerate(USER_ROLES):
        first, last = f.first_name(), f.last_name()
        while (first, last) in seen:
            first, last = f.first_name(), f.last_name()
        seen.add((first, last))
        email = f.email(f"{first}.{last}", domain)
        joined = (
            company.start - timedelta(days=30)
            if index < 5
            else company.moment(company.start, company.end - timedelta(days=60))
        )
        company.users.append(
            build_user(
                ctx,
                {
                    "id": ids[index],
                    "uuid": new_uuid(ctx),
                    "firstName": first,
                    "lastName": last,
                    "email": email,
                    "role": role,
                    "retired": index >= len(USER_ROLES) - 2,
                    "smsOptIn": f.chance(0.4),
                    "hasDateOfBirth": role in ("ADMIN", "FINANCE_ADMIN") or f.chance(0.5),
                    "useCompanyMailingAddress": f.chance(0.8),
                    "createdTime": format_timestamp(joined),
                },
            )
        )
    ctx.store.insert_many(USERS, ctx.scope, company.users)


def _spenders(company: Company) -> list[dict[str, Any]]:
    return [u for u in company.users if u["role"] not in ("AUDITOR",) and not u["retired"]]


def _budgets(company: Company) -> None:
    ctx, f = company.ctx, company.ctx.fake
    ids = allocate(ctx, "Budget", len(BUDGET_PLANS))
    created = format_timestamp(company.start - timedelta(days=20))
    admin, finance = company.users[0], company.users[2]
    auditor = next(u for u in company.users if u["role"] == "AUDITOR")
    members_rows: list[dict[str, Any]] = []
    for index, plan in enumerate(BUDGET_PLANS):
        parent = company.budgets[plan.child_of] if plan.child_of is not None else None
        expiration, begins = None, created[:10]
        if plan.retired:  # a one-off budget that ran for a few weeks and has expired
            expiration = (company.end - timedelta(days=120)).date().isoformat()
            begins = (company.end - timedelta(days=165)).date().isoformat()
        budget = build_budget(
            ctx,
            {
                "id": ids[index],
                "uuid": new_uuid(ctx),
                "name": plan.name,
                "description": f"{plan.name} for the whole company" if plan.group else "",
                "retired": plan.retired,
                "startDate": begins,
                "expirationDate": expiration,
                "recurringInterval": plan.interval,
                "recurMonth": plan.recur_month,
                "receiptRequired": plan.receipt_required,
                "maxTxSize": 5000.0 if not plan.group else None,
                "default": plan.default,
                "autoAddUsers": plan.default,
                "budgetGroup": plan.group,
                "parentBudgetId": parent["id"] if parent else None,
                "parentBudgetUuid": parent["uuid"] if parent else None,
                "limit": plan.limit,
                "recurringLimit": plan.limit if plan.interval != "NONE" else None,
                "overspendBuffer": round(plan.limit * 0.1, 2),
                "createdTime": created,
            },
        )
        company.budgets.append(budget)
        company.plans.append(plan)
        owners = [admin] if plan.group else [admin, f.choice(_spenders(company)[3:])]
        if plan.group:
            owners.append(finance)
        spenders = [] if plan.group else f.rng.sample(_spenders(company)[3:], k=f.integer(3, 6))
        roster: list[tuple[dict[str, Any], str]] = [(u, "OWNER") for u in owners]
        roster += [(u, "MEMBER") for u in spenders if u not in owners]
        if index % 2 == 0:
            roster.append((auditor, "OBSERVER"))
        member_limit = round(plan.limit / max(len(spenders), 1) / 2, -1)
        company.members[budget["id"]] = []
        for user, role in roster:
            share = role == "OWNER"
            member = build_member(
                budget,
                user,
                {
                    "budgetRole": role,
                    "shareBudgetFunds": share,
                    "limit": 0.0 if role == "OBSERVER" else member_limit,
                    "recurringLimit": None if role == "OBSERVER" or plan.interval == "NONE" else member_limit,
                },
                created,
            )
            member["_parent"] = budget["id"]
            company.members[budget["id"]].append(member)
            members_rows.append(member)
    ctx.store.insert_many(BUDGETS, ctx.scope, company.budgets)
    ctx.store.insert_many(MEMBERS, ctx.scope, members_rows)


def _cards(company: Company) -> None:
    """A physical card for each spender on one of their budgets, plus the vendor cards of the catalog."""
    ctx, f = company.ctx, company.ctx.fake
    by_name = {u["id"]: u for u in company.users}
    specs: list[tuple[str, dict[str, Any], dict[str, Any], str, str | None]] = []
    for user in _spenders(company):
        homes = [
            b
            for b in company.budgets
            if not b["retired"]
            and not b["budgetGroup"]
            and any(
                m["userId"] == user["id"] and m["budgetRole"] != "OBSERVER" for m in company.members[b["id"]]
            )
        ]
        if homes:
            budget = f.choice(homes)
            specs.append((f"{user['firstName']}'s card", user, budget, "PHYSICAL", None))
    for name, budget_index, merchant in VENDOR_CARDS:
        budget = company.budgets[budget_index]
        holders = [
            by_name[m["userId"]] for m in company.members[budget["id"]] if m["budgetRole"] != "OBSERVER"
        ]
        specs.append((name, f.choice(holders), budget, "VIRTUAL", merchant))
    ids = allocate(ctx, "Card", len(specs))
    active, deleted = [], []
    for index, (name, user, budget, card_type, merchant) in enumerate(specs):
        created_at = company.moment(company.start - timedelta(days=10), company.start + timedelta(days=200))
        plan = company.plans[company.budgets.index(budget)]
        limit = None if card_type == "PHYSICAL" else round(plan.limit / 6, -1)
        card = build_card(
            ctx,
            {
                "id": ids[index],
                "uuid": new_uuid(ctx),
                "name": name,
                "user": user,
                "budget": budget,
                "type": card_type,
                "limit": limit,
                "recurringLimit": limit if plan.interval != "NONE" else None,
                "shareBudgetFunds": card_type == "PHYSICAL",
                "validThru": (created_at + timedelta(days=3 * 365)).strftime("%m/%y"),
                "createdTime": format_timestamp(created_at),
            },
        )
        if merchant:
            company.card_merchant[card["id"]] = merchant
        if plan.retired:
            card["status"] = "FROZEN"
            card["updatedTime"] = format_timestamp(company.end - timedelta(days=119))
        elif index in (3, 17):
            card["status"] = "FROZEN"
            card["updatedTime"] = format_timestamp(company.moment(company.end - timedelta(days=60)))
        if index == 5:
            closed = company.moment(company.end - timedelta(days=90), company.end - timedelta(days=30))
            card.update(
                {"status": "CLOSED", "deletedReason": "LOST", "updatedTime": format_timestamp(closed)}
            )
            company.closed_at[card["id"]] = closed
            deleted.append(card)
        else:
            active.append(card)
        company.cards.append(card)
    ctx.store.insert_many(CARDS, ctx.scope, active)
    ctx.store.insert_many(DELETED_CARDS, ctx.scope, deleted)


def _custom_fields(company: Company) -> None:
    ctx = company.ctx
    created = format_timestamp(company.start - timedelta(days=15))
    marketing, entertainment = company.budgets[5], company.budgets[6]
    specs: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"name": "Category", "required": True, "minimumAmountForRequirement": 75.0}, CATEGORIES),
        ({"name": "Project", "multiSelect": True, "allowCustomValues": True}, PROJECTS),
        (
            {
                "name": "Client",
                "global": False,
                "selectedBudgets": [marketing, entertainment],
                "required": True,
                "requiredBudgets": [entertainment],
            },
            CLIENTS,
        ),
        ({"name": "Business purpose", "type": "NOTE", "description": "Why the company paid for this"}, ()),
        ({"name": "Cost center (old)", "retired": True}, ("CC-100", "CC-200")),
    ]
    field_ids = allocate(ctx, "TagType", len(specs))
    value_ids = iter(allocate(ctx, "TagValue", sum(len(v) for _, v in specs)))
    rows: list[dict[str, Any]] = []
    for index, (spec, values) in enumerate(specs):
        field_ = build_custom_field(
            ctx, {**spec, "id": field_ids[index], "uuid": new_uuid(ctx), "createdTime": created}
        )
        company.custom_fields.append(field_)
        live = []
        for value in values:
            row = {
                "id": next(value_ids),
                "uuid": new_uuid(ctx),
                "value": value,
                "deleted": value == "Legacy migration",
                "createdTime": created,
                "updatedTime": created,
                "_parent": field_["id"],
            }
            rows.append(row)
            if not row["deleted"]:
                live.append(row)
        company.values[field_["id"]] = live
    ctx.store.insert_many(CUSTOM_FIELDS, ctx.scope, company.custom_fields)
    ctx.store.insert_many(CUSTOM_FIELD_VALUES, ctx.scope, rows)
