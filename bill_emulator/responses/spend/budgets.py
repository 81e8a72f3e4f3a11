"""Budgets and their members (/v3/spend/budgets)."""

from __future__ import annotations

from bill_emulator.backends.spend import budgets
from bill_emulator.handlers import Call, Reply, page_payload


def list_budgets(call: Call) -> Reply:
    return Reply(200, raw=page_payload(budgets.budget_page(call.ctx, call.query)))


def list_members(call: Call) -> Reply:
    return Reply(200, raw=page_payload(budgets.member_page(call.ctx, call.path["budgetId"], call.query)))


def create_budget(call: Call) -> Reply:
    return Reply(200, budgets.create_budget(call.ctx, call.body))


def get_budget(call: Call) -> Reply:
    return Reply(200, budgets.get_budget(call.ctx, call.path["budgetId"]))


def update_budget(call: Call) -> Reply:
    return Reply(200, budgets.update_budget(call.ctx, call.path["budgetId"], call.body))


def delete_budget(call: Call) -> Reply:
    budgets.delete_budget(call.ctx, call.path["budgetId"])
    return Reply(200)


def get_member(call: Call) -> Reply:
    return Reply(200, budgets.get_member(call.ctx, call.path["budgetId"], call.path["userId"]))


def upsert_member(call: Call) -> Reply:
    return Reply(200, budgets.upsert_member(call.ctx, call.path["budgetId"], call.path["userId"], call.body))


def bulk_members(call: Call) -> Reply:
    return Reply(200, budgets.bulk_members(call.ctx, call.path["budgetId"], call.body))


def delete_member(call: Call) -> Reply:
    budgets.delete_member(call.ctx, call.path["budgetId"], call.path["userId"])
    return Reply(200)
