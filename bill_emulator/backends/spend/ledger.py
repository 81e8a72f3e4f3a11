"""Money over time: purchases clear, budget periods roll, and every `spent` figure is the sum of the
transactions behind it.

A purchase is one parent transaction. It is an AUTHORIZATION until its clearing time (`_clearsAt`),
then it becomes a CLEAR on the same id and uuid, with the original authorization kept as its child.
Budget, member and card `spent` count CLEARs (cleared) and AUTHORIZATIONs (pending) whose occurredTime
falls in the budget's current period; DECLINEs count nothing. Periods follow UTC calendar dates.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    AUTHORIZATIONS,
    BUDGETS,
    CARDS,
    MEMBERS,
    TRANSACTIONS,
    new_id,
    new_uuid,
)


def period(budget: dict[str, Any], today: date) -> tuple[date, date | None]:
    """The current period [start, end) of a budget; NONE runs from its start date to its expiration."""
    interval = budget.get("recurringInterval") or "MONTHLY"
    if interval == "DAILY":
        return today, today + timedelta(days=1)
    if interval == "WEEKLY":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=7)
    if interval in ("MONTHLY", "QUARTERLY", "YEARLY"):
        step = {"MONTHLY": 1, "QUARTERLY": 3, "YEARLY": 12}[interval]
        anchor = int(budget.get("_recurMonth") or 1) - 1
        months = today.year * 12 + today.month - 1
        start_index = months - ((months - anchor) % step)
        return _month(start_index), _month(start_index + step)
    start = date.fromisoformat(budget.get("startDate") or today.isoformat())
    end = budget.get("expirationDate")
    return start, date.fromisoformat(end) if end else None


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    last = calendar.monthrange(index // 12, index % 12 + 1)[1]
    return date(index // 12, index % 12 + 1, min(day.day, last))


def clear(ctx: Context, parent: dict[str, Any], when: str) -> dict[str, Any]:
    """Turn a pending purchase into a CLEAR (same id and uuid); returns the child AUTHORIZATION it keeps."""
    child = dict(parent)
    child.update(
        {
            "id": new_id(ctx, TRANSACTIONS),
            "uuid": new_uuid(ctx),
            "isParent": False,
            "parentTransactionId": parent["id"],
            "childTransactionIds": [],
            "childTransactionUuids": [],
            "complete": True,
            "pointsAwarded": 0,
            "matchedClearTransactionId": parent["id"],
            "matchedClearTransactionUuid": parent["uuid"],
            "accountingIntegrationTransactions": [],
            "receipts": [],
            "updatedTime": when,
        }
    )
    child.pop("_clearsAt", None)
    parent.pop("_clearsAt", None)
    parent.update(
        {
            "transactionType": "CLEAR",
            "complete": True,
            "childTransactionIds": [child["id"]],
            "childTransactionUuids": [child["uuid"]],
            "originalAuthTransactionId": child["id"],
            "originalAuthTransactionUuid": child["uuid"],
            "pointsAwarded": max(int(parent["amount"]), 0),
            "updatedTime": max(when, parent.get("updatedTime") or when),
        }
    )
    return child


def _meta_key(ctx: Context, name: str) -> str:
    return f"spend_{name}:{ctx.scope}"


def note_pending(ctx: Context, clears_at: str | None) -> None:
    """Remember the earliest pending clearing time, so most calls skip the scan."""
    key = _meta_key(ctx, "next_clear")
    current = ctx.store.meta(key)
    if clears_at and (not current or clears_at < current):
        ctx.store.set_meta(key, clears_at)


def settle(ctx: Context) -> None:
    """Clear every authorization whose time has come; recompute spent when anything moved or a day passed."""
    if not ctx.scope:
        return
    now = ctx.now()
    today = now[:10]
    due_key, day_key = _meta_key(ctx, "next_clear"), _meta_key(ctx, "day")
    due = ctx.store.meta(due_key)
    if (not due or due > now) and ctx.store.meta(day_key) == today:
        return
    with ctx.store.transaction():
        rows = ctx.store.execute(
            "SELECT body FROM records WHERE kind = ? AND scope = ?"
            " AND json_extract(body, '$.transactionType') = 'AUTHORIZATION'"
            " AND json_extract(body, '$._clearsAt') IS NOT NULL",
            (TRANSACTIONS, ctx.scope),
        )
        upcoming: list[str] = []
        for (raw,) in rows:
            body = orjson.loads(raw)
            if body["_clearsAt"] <= now:
                child = clear(ctx, body, body["_clearsAt"])
                ctx.store.insert(AUTHORIZATIONS, ctx.scope, child)
                ctx.store.replace(TRANSACTIONS, body)
            else:
                upcoming.append(body["_clearsAt"])
        ctx.store.set_meta(due_key, min(upcoming) if upcoming else "")
        ctx.store.set_meta(day_key, today)
        refresh(ctx)


def refresh(ctx: Context) -> None:
    """Recompute currentPeriod and spent of every budget, budget member and card of the company."""
    today = ctx.clock.utcnow().date()
    spend = ctx.store.execute(
        "SELECT json_extract(body, '$.budgetId'), json_extract(body, '$.userId'),"
        " json_extract(body, '$.cardId'), json_extract(body, '$.transactionType'),"
        " json_extract(body, '$.amount'), substr(json_extract(body, '$.occurredTime'), 1, 10)"
        " FROM records WHERE kind = ? AND scope = ?",
        (TRANSACTIONS, ctx.scope),
    )
    budgets = {row.id: row.body for row in ctx.store.find(BUDGETS, ctx.scope)}
    windows = {bid: period(body, today) for bid, body in budgets.items()}

    def inside(budget_id: str, day: str) -> bool:
        window = windows.get(budget_id)
        if window is None:
            return False
        start, end = window
        return start.isoformat() <= day and (end is None or day < end.isoformat())

    by_budget: dict[str, list[float]] = {}
    by_member: dict[tuple[str, str], float] = {}
    by_card: dict[str, float] = {}
    for budget_id, user_id, card_id, kind, amount, day in spend:
        if kind not in ("CLEAR", "AUTHORIZATION") or not inside(budget_id, day):
            continue
        totals = by_budget.setdefault(budget_id, [0.0, 0.0])
        totals[0 if kind == "CLEAR" else 1] += amount
        by_member[(budget_id, user_id)] = by_member.get((budget_id, user_id), 0.0) + amount
        by_card[card_id] = by_card.get(card_id, 0.0) + amount

    members = ctx.store.find(MEMBERS, ctx.scope)
    assigned: dict[str, float] = {}
    for row in members:
        member = row.body
        if not member.get("shareBudgetFunds"):
            assigned[row.parent_id or ""] = assigned.get(row.parent_id or "", 0.0) + (
                member.get("limit") or 0.0
            )
        _store_if_changed(
            ctx, MEMBERS, member, {"spent": round(by_member.get((row.parent_id, member["userId"]), 0.0), 2)}
        )

    for budget_id, budget in budgets.items():
        start, end = windows[budget_id]
        cleared, pending = (round(v, 2) for v in by_budget.get(budget_id, [0.0, 0.0]))
        current = dict(budget.get("currentPeriod") or {})
        current.update(
            {
                "startDate": start.isoformat(),
                "endDate": end.isoformat() if end else None,
                "assigned": round(assigned.get(budget_id, 0.0), 2),
                "spent": {"cleared": cleared, "pending": pending, "total": round(cleared + pending, 2)},
            }
        )
        _store_if_changed(ctx, BUDGETS, budget, {"currentPeriod": current})

    for row in ctx.store.find(CARDS, ctx.scope):
        card = row.body
        current = dict(card.get("currentPeriod") or {})
        current["spent"] = round(by_card.get(card["id"], 0.0), 2)
        _store_if_changed(ctx, CARDS, card, {"currentPeriod": current})


def _store_if_changed(ctx: Context, kind: str, body: dict[str, Any], changes: dict[str, Any]) -> None:
    """Derived figures change without moving updatedTime (BILL recomputes them, nobody edited the object)."""
    if all(body.get(k) == v for k, v in changes.items()):
        return
    body.update(changes)
    ctx.store.replace(kind, body)
