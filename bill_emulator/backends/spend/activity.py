"""Seeded card activity and reimbursements for a spend company.

Each purchase is one parent transaction: CLEARed 1-3 days after its AUTHORIZATION (keeping the
authorization as its child), or still pending when that moment is in the future. Some purchases are
declined, a few are refunded (negative CLEAR) or reversed (negative AUTHORIZATION).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from bill_emulator.backends.spend.catalog import DECLINE_REASONS, FOREIGN, MERCHANTS, Merchant, merchant_named
from bill_emulator.backends.spend.common import (
    AUTHORIZATIONS,
    CHALLENGES,
    REIMBURSEMENTS,
    TRANSACTIONS,
    allocate,
    new_uuid,
    node_id,
)
from bill_emulator.backends.spend.company import Company
from bill_emulator.backends.spend.ledger import clear, note_pending
from bill_emulator.backends.spend.reimbursements import build_reimbursement, history
from bill_emulator.backends.spend.tagging import UPLOAD_HOST, applies, entry
from bill_emulator.fake import parse_timestamp
from bill_emulator.timefmt import format_timestamp


def _merchant(company: Company, card: dict[str, Any]) -> Merchant:
    fixed = company.card_merchant.get(card["id"])
    if fixed:
        return merchant_named(fixed)
    plan = company.plans[[b["id"] for b in company.budgets].index(card["budgetId"])]
    return company.ctx.fake.choice(MERCHANTS[company.ctx.fake.choice(plan.spends_on)])


@functools.lru_cache(maxsize=256)
def _moment(stamp: str) -> datetime:
    return parse_timestamp(stamp)


def _window(company: Company, card: dict[str, Any]) -> tuple[datetime, datetime]:
    budget = next(b for b in company.budgets if b["id"] == card["budgetId"])
    start = max(company.start, _moment(card["createdTime"]))
    start = max(start, datetime.fromisoformat(budget["startDate"] + "T00:00:00+00:00"))
    end = company.closed_at.get(card["id"], company.end)
    if budget["expirationDate"]:
        end = min(end, datetime.fromisoformat(budget["expirationDate"] + "T00:00:00+00:00"))
    return start, end


def _custom_fields(
    company: Company, budget_id: str, merchant: Merchant, tagged: bool
) -> list[dict[str, Any]]:
    f = company.ctx.fake
    entries = []
    for field in company.custom_fields:
        if not applies(field, budget_id):
            continue
        values: list[dict[str, Any]] = []
        note = None
        live = company.values[field["id"]]
        if tagged and field["name"] == "Category":
            values = [v for v in live if v["value"] == merchant.category][:1]
        elif tagged and live and f.chance(0.5):
            values = f.rng.sample(live, k=1 if not field["multiSelect"] else f.integer(1, 2))
        elif tagged and field["type"] == "NOTE" and f.chance(0.4):
            note = f.choice(
                ("Customer visit", "Quarterly planning", "Team offsite", "Conference", "Recurring tool")
            )
        entries.append(entry(field, budget_id, values, note))
    return entries


def _purchase(
    company: Company, tx_id: str, card: dict[str, Any], when: datetime, amount: float
) -> dict[str, Any]:
    """A parent transaction as BILL shows it while authorized (pending)."""
    ctx, f = company.ctx, company.ctx.fake
    user = next(u for u in company.users if u["id"] == card["userId"])
    budget = next(b for b in company.budgets if b["id"] == card["budgetId"])
    merchant = _merchant(company, card)
    amount = amount or f.money(merchant.low, merchant.high)
    stamp = format_timestamp(when)
    foreign = f.chance(0.05) and merchant.online is False
    code, symbol, rate = f.choice(FOREIGN) if foreign else ("USD", "$", 1.0)
    original = round(amount / rate, 2)
    present = card["type"] == "PHYSICAL" and not merchant.online and f.chance(0.8)
    required = budget["receiptRequired"] or amount >= 75
    return {
        "id": tx_id,
        "uuid": new_uuid(ctx),
        "childTransactionIds": [],
        "childTransactionUuids": [],
        "isLocked": False,
        "isReconciled": False,
        "transactionType": "AUTHORIZATION",
        "parentTransactionId": None,
        "userId": user["id"],
        "userUuid": user["uuid"],
        "userName": f"{user['firstName']} {user['lastName']}",
        "rawMerchantName": merchant.raw,
        "merchantName": merchant.name,
        "budgetId": budget["id"],
        "budgetUuid": budget["uuid"],
        "budgetName": budget["name"],
        "parentBudgetUuid": budget["parentBudgetUuid"],
        "originalAuthTransactionId": None,
        "originalAuthTransactionUuid": None,
        "isCredit": False,
        "currencyData": {
            "exchangeRate": rate,
            "exponent": 2,
            "originalCurrencyAmount": str(round(abs(original) * 100)),
            "originalCurrencyCode": code,
            "symbol": symbol,
        },
        "receiptRequired": required,
        "reviewRequired": amount >= 1000,
        "occurredTime": stamp,
        "updatedTime": stamp,
        "authorizedTime": stamp,
        "complete": False,
        "pointsAwarded": 0,
        "customFields": _custom_fields(company, budget["id"], merchant, f.chance(0.75)),
        "receipts": [],
        "network": "VISA",
        "isParent": True,
        "reviews": [],
        "amount": amount,
        "transactedAmount": original,
        "fees": 0.0,
        "foreignExchangeFee": 0.0,
        "receiptStatus": "MISSING" if required else "NOT_ATTACHED",
        "matchedClearTransactionId": None,
        "matchedClearTransactionUuid": None,
        "accountingIntegrationTransactions": [],
        "reviewers": [],
        "cardId": card["id"],
        "cardUuid": card["uuid"],
        "cardLastFour": card["lastFour"],
        "cardType": card["type"],
        "receiptSyncStatus": "NO_ATTACHMENTS",
        "merchantCategoryCode": merchant.mcc,
        "declineReason": None,
        "declineInternalReasonCode": None,
        "cardPresent": present,
        "merchantLocation": {
            "city": merchant.city,
            "state": merchant.state,
            "postalCode": merchant.postal,
            "country": "US",
        },
        "disputeStatus": None,
        "createdTime": stamp,
    }


def _settled_extras(company: Company, tx: dict[str, Any], cleared_at: datetime, sync_id: str) -> None:
    """Receipts, reviews and the accounting sync a cleared purchase picks up over the following days."""
    ctx, f = company.ctx, company.ctx.fake
    latest = cleared_at
    if tx["amount"] > 0 and (tx["receiptRequired"] or f.chance(0.3)) and f.chance(0.8):
        tx["receipts"] = [
            {
                "filename": f"receipt-{f.digits(6)}.jpg",
                "url": f"{UPLOAD_HOST}/spend/transactions/{new_uuid(ctx)}.jpg",
                "uuid": new_uuid(ctx),
            }
        ]
        tx["receiptStatus"] = "ATTACHED"
        tx["receiptSyncStatus"] = "NOT_SYNCED"
        latest = min(company.end, latest + timedelta(hours=f.integer(1, 30)))
    if tx["reviewRequired"]:
        owner = next(m for m in company.members[tx["budgetId"]] if m["budgetRole"] == "OWNER")
        reviewed = min(company.end, latest + timedelta(hours=f.integer(2, 48)))
        done = reviewed < company.end - timedelta(days=2)
        tx["reviewers"] = [
            {
                "approverType": "BUDGET_OWNER",
                "reviewedTime": format_timestamp(reviewed) if done else None,
                "status": "APPROVED" if done else "WAITING",
                "userId": owner["userId"],
                "userUuid": owner["userUuid"],
                "userName": owner["name"],
            }
        ]
        if done:
            tx["reviews"] = [
                {
                    "id": node_id("TransactionReview", 300_000 + f.integer(0, 699_999)),
                    "isApproved": True,
                    "note": f.choice(("", "Approved", "OK per policy")),
                    "createdTime": format_timestamp(reviewed),
                    "deletedTime": None,
                    "reviewerId": owner["userId"],
                    "reviewerUuid": owner["userUuid"],
                }
            ]
            latest = reviewed
    if cleared_at < company.end - timedelta(days=7) and f.chance(0.8):
        synced = min(company.end, latest + timedelta(days=f.integer(1, 5)))
        status = "SYNCED" if f.chance(0.9) else f.choice(("ERROR", "PENDING", "MANUAL_SYNCED"))
        tx["accountingIntegrationTransactions"] = [
            {
                "id": node_id("AccountingIntegrationTransaction", 500_000 + f.integer(0, 499_999)),
                "billable": f.chance(0.1),
                "integrationTxId": f.digits(5) if status in ("SYNCED", "MANUAL_SYNCED") else None,
                "syncStatus": status,
                "syncMessage": "Account mapping missing for this category" if status == "ERROR" else None,
                "integrationType": "QUICKBOOKS_ONLINE",
                "integrationId": sync_id,
                "syncRequestId": new_uuid(ctx),
            }
        ]
        if status in ("SYNCED", "MANUAL_SYNCED"):
            tx["isReconciled"] = True
            tx["isLocked"] = f.chance(0.3)
            if tx["receipts"]:
                tx["receiptSyncStatus"] = "SYNCED"
        latest = synced
    tx["updatedTime"] = max(tx["updatedTime"], format_timestamp(latest))


def _occurred_times(company: Company, count: int) -> list[datetime]:
    """Spread over the history window, with the last few inside the last two days (still pending)."""
    recent = max(3, count // 100)
    times = [company.moment(company.start) for _ in range(count - recent)]
    times += [company.moment(company.end - timedelta(days=2)) for _ in range(recent)]
    return times


def seed_transactions(company: Company, count: int) -> None:
    ctx, f = company.ctx, company.ctx.fake
    ids = iter(allocate(ctx, "Transaction", count * 2))
    sync_id = new_uuid(ctx)
    cards = [
        c
        for c in company.cards
        if c["status"] != "FROZEN" or c["budgetId"] in {b["id"] for b in company.budgets if b["retired"]}
    ]
    parents: list[dict[str, Any]] = []
    children: list[dict[str, Any]] = []
    pending_clears: list[str] = []
    for when in sorted(_occurred_times(company, count)):
        card = f.choice(cards)
        start, end = _window(company, card)
        if when < start or when > end:
            when = company.moment(start, end) if start < end else start
        tx = _purchase(company, next(ids), card, when, 0.0)
        roll = f.rng.random()
        if roll < 0.04:
            reason, code = f.choice(DECLINE_REASONS)
            tx.update(
                {
                    "transactionType": "DECLINE",
                    "complete": True,
                    "declineReason": reason,
                    "declineInternalReasonCode": code,
                    "receiptRequired": False,
                    "receiptStatus": "NOT_ATTACHED",
                }
            )
            parents.append(tx)
            continue
        if roll < 0.055:
            # A reversal: the authorization and its negative twin, both final, never cleared.
            reversal = _purchase(
                company, next(ids), card, when + timedelta(minutes=f.integer(5, 240)), -tx["amount"]
            )
            for key in (
                "merchantName",
                "rawMerchantName",
                "merchantCategoryCode",
                "merchantLocation",
                "currencyData",
                "cardPresent",
                "customFields",
            ):
                reversal[key] = tx[key]
            reversal.update(
                {
                    "transactedAmount": -tx["transactedAmount"],
                    "complete": True,
                    "isCredit": True,
                    "receiptRequired": False,
                    "receiptStatus": "NOT_ATTACHED",
                }
            )
            tx["complete"] = True
            parents += [tx, reversal]
            continue
        if roll < 0.07:
            tx.update(
                {
                    "amount": -tx["amount"],
                    "transactedAmount": -tx["transactedAmount"],
                    "isCredit": True,
                    "receiptRequired": False,
                    "receiptStatus": "NOT_ATTACHED",
                }
            )
        cleared_at = when + timedelta(hours=f.integer(14, 80))
        if cleared_at > company.end:
            tx["_clearsAt"] = format_timestamp(cleared_at)
            pending_clears.append(tx["_clearsAt"])
        else:
            children.append(clear(ctx, tx, format_timestamp(cleared_at)))
            _settled_extras(company, tx, cleared_at, sync_id)
        parents.append(tx)
    _disputes(company, parents)
    ctx.store.insert_many(TRANSACTIONS, ctx.scope, parents)
    ctx.store.insert_many(AUTHORIZATIONS, ctx.scope, children)
    for clears_at in pending_clears:
        note_pending(ctx, clears_at)
    _challenges(company, parents)


def _disputes(company: Company, parents: list[dict[str, Any]]) -> None:
    cleared = [t for t in parents if t["transactionType"] == "CLEAR" and t["amount"] > 50]
    for tx, status in zip(
        company.ctx.fake.rng.sample(cleared, k=min(2, len(cleared))),
        ("SUBMITTED", "CLOSED_WON"),
        strict=False,
    ):
        tx["disputeStatus"] = status


def _challenges(company: Company, parents: list[dict[str, Any]]) -> None:
    """3-D Secure challenges waiting for a decision on the two latest pending online purchases."""
    ctx = company.ctx
    pending = [
        t for t in parents if t["transactionType"] == "AUTHORIZATION" and "_clearsAt" in t and t["amount"] > 0
    ]
    rows = []
    for tx in pending[-2:]:
        rows.append(
            {
                "id": new_uuid(ctx),
                "transactionId": tx["id"],
                "status": "PENDING",
                "createdTime": tx["authorizedTime"],
                "updatedTime": tx["authorizedTime"],
            }
        )
    ctx.store.insert_many(CHALLENGES, ctx.scope, rows)


def seed_reimbursements(company: Company, count: int) -> None:
    """Out-of-pocket and mileage claims; older ones are paid in weekly batches, recent ones wait for approval."""
    ctx, f = company.ctx, company.ctx.fake
    ids = allocate(ctx, "Reimbursement", count)
    admin = company.admin
    rows: list[dict[str, Any]] = []
    batches: dict[str, list[dict[str, Any]]] = {}
    claimable = [b for b in company.budgets if not b["retired"] and not b["budgetGroup"]]
    for index in range(count):
        budget = f.choice(claimable)
        spenders = [m for m in company.members[budget["id"]] if m["budgetRole"] != "OBSERVER"]
        member = f.choice(spenders)
        user = next(u for u in company.users if u["id"] == member["userId"])
        recent = index >= count - max(4, count // 20)  # the newest claims still move through approval
        submitted = company.moment(company.end - timedelta(days=8) if recent else company.start)
        occurred = (submitted - timedelta(days=f.integer(0, 10))).date().isoformat()
        mileage = f.chance(0.15)
        plan = company.plans[company.budgets.index(budget)]
        merchant = f.choice(MERCHANTS[f.choice(plan.spends_on)])
        amount = (
            round(f.integer(12, 420) * 0.67, 2) if mileage else f.money(merchant.low, min(merchant.high, 600))
        )
        note = (
            f"{f.integer(12, 420)} miles to a customer site"
            if mileage
            else f.choice(
                (
                    "Team lunch",
                    "Parking at client office",
                    "Train to conference",
                    "Supplies for workshop",
                    "Dinner with prospect",
                )
            )
        )
        steps = [history(user["id"], "SUBMITTER", format_timestamp(submitted), "AWAITING_APPROVAL", note)]
        age = (company.end - submitted).days
        status = "AWAITING_APPROVAL"
        batch_id = None
        updated = submitted
        if age > 10 or (age > 2 and f.chance(0.6)):
            decided = min(company.end, submitted + timedelta(hours=f.integer(2, 72)))
            updated = decided
            if f.chance(0.08):
                status = "DENIED"
                steps.append(
                    history(
                        admin["id"],
                        "BUDGET_OWNER",
                        format_timestamp(decided),
                        "DENIED",
                        "Not a business expense",
                    )
                )
            else:
                steps += [
                    history(admin["id"], "BUDGET_OWNER", format_timestamp(decided), "APPROVED"),
                    history(admin["id"], "BUDGET_OWNER", format_timestamp(decided), "READY_TO_PAY"),
                ]
                status = "READY_TO_PAY"
                paid = decided + timedelta(days=(7 - decided.weekday()) % 7 or 7)
                if paid < company.end:
                    status = "PAID"
                    updated = paid
                    batch_id = node_id("ReimbursementBatch", 700_000 + paid.toordinal() % 100_000)
                    steps.append(history(admin["id"], "MANAGER", format_timestamp(paid), "PAID"))
        retired = status in ("PAID", "DENIED") and f.chance(0.03)
        if retired:
            updated = min(company.end, updated + timedelta(days=30))
            steps.append(history(admin["id"], "MANAGER", format_timestamp(updated), "ARCHIVED"))
        reimbursement = build_reimbursement(
            ctx,
            {
                "id": ids[index],
                "uuid": new_uuid(ctx),
                "user": user,
                "budget": budget,
                "amount": amount,
                "merchantName": "Mileage" if mileage else merchant.name,
                "note": note,
                "occurredDate": occurred,
                "submittedTime": format_timestamp(submitted),
                "status": status,
                "type": "MILEAGE" if mileage else "OUT_OF_POCKET",
                "retired": retired,
                "batchId": batch_id,
                "statusHistory": steps,
                "receipts": []
                if mileage
                else [
                    {
                        "filename": f"IMG_{f.digits(4)}.jpg",
                        "url": f"{UPLOAD_HOST}/spend/reimbursements/{new_uuid(ctx)}.jpg",
                        "uuid": new_uuid(ctx),
                    }
                ],
                "customFields": _custom_fields(company, budget["id"], merchant, True),
                "updatedTime": format_timestamp(updated),
            },
        )
        if batch_id:
            batches.setdefault(batch_id, []).append(reimbursement)
        rows.append(reimbursement)
    for members in batches.values():
        total = round(sum(r["amount"] for r in members), 2)
        for reimbursement in members:
            reimbursement["batchAmount"] = total
    ctx.store.insert_many(REIMBURSEMENTS, ctx.scope, rows)
