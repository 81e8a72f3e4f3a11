"""The seeded AP history of an organization: bills (with their approvals and documents), vendor credits,
the payments that pay and credit the bills, and the vendor balances and last payment dates that follow.

One step of seed.FAMILIES, after vendors: each part is made by its own family, in this order, and all of
it is stored at the end (payments change bills and credits before they are stored).
"""

from __future__ import annotations

from typing import Any

from bill_emulator.backends import bills, credits, payments
from bill_emulator.seedplan import SeedPlan, fast_ids
from bill_emulator.timefmt import format_date


def seed(plan: SeedPlan) -> None:
    ctx, f = plan.ctx, plan.ctx.fake
    new_id = fast_ids(ctx, "bills")
    bill_list, documents = bills.seed_bills(plan, new_id)
    vendor_credits = credits.seed_vendor_credits(plan, new_id)
    pays = payments.seed_payments(plan, bill_list, vendor_credits, new_id)
    balances: dict[str, float] = {}
    for bill in bill_list:
        bill.pop("_created_at")
        if f.chance(0.03):
            bill["archived"] = True
            bills.derive_bill(ctx, bill)
        if not bill["archived"]:
            balances[bill["vendorId"]] = balances.get(bill["vendorId"], 0.0) + bill["dueAmount"]
    # Vendor balances and duplicate invoice numbers look bills up by vendor.
    ctx.store.execute(
        "CREATE INDEX IF NOT EXISTS records_bills_by_vendor ON records"
        " (scope, json_extract(body, '$.vendorId')) WHERE kind = 'bills'"
    )
    for start in range(0, len(bill_list), 5000):
        ctx.store.insert_many("bills", ctx.scope, bill_list[start : start + 5000])
    ctx.store.insert_many("documents", ctx.scope, documents)
    ctx.store.insert_many("payments", ctx.scope, pays)
    ctx.store.insert_many("vendor_credits", ctx.scope, vendor_credits)
    _store_vendor_balances(plan, bill_list, balances)
    plan.refs["bills"] = [b["id"] for b in bill_list]
    ctx.store.set_meta(f"ap-settled:{ctx.scope}", format_date(ctx.clock.utcnow()))


def _store_vendor_balances(
    plan: SeedPlan, bill_list: list[dict[str, Any]], balances: dict[str, float]
) -> None:
    """The vendors were stored by vendors.seed; store them again with their balances, in one go."""
    ctx = plan.ctx
    vendor_list: list[dict[str, Any]] = list(plan.extra["vendors"].values())
    last_change: dict[str, str] = {}
    for bill in bill_list:
        last_change[bill["vendorId"]] = max(last_change.get(bill["vendorId"], ""), bill["updatedTime"])
    for vendor in vendor_list:
        if vendor["id"] in last_change:
            vendor["balance"] = {
                "amount": round(balances.get(vendor["id"], 0.0), 2),
                "lastUpdatedDate": max(vendor["createdTime"], last_change[vendor["id"]]),
            }
    ctx.store.execute("DELETE FROM records WHERE kind = 'vendors' AND scope = ?", (ctx.scope,))
    ctx.store.insert_many("vendors", ctx.scope, vendor_list)
