"""Budgets and their members (/v3/spend/budgets)."""

from __future__ import annotations

from bill_emulator.backends.spend import budgets
from bill_emulator.responses.answers import answer, done, page_of

list_budgets = page_of(budgets.budget_page)
list_members = page_of(budgets.member_page, "budgetId")
create_budget = answer(budgets.create_budget, body=True)
get_budget = answer(budgets.get_budget, "budgetId")
update_budget = answer(budgets.update_budget, "budgetId", body=True)
delete_budget = done(budgets.delete_budget, "budgetId")
get_member = answer(budgets.get_member, "budgetId", "userId")
upsert_member = answer(budgets.upsert_member, "budgetId", "userId", body=True)
bulk_members = answer(budgets.bulk_members, "budgetId", body=True)
delete_member = done(budgets.delete_member, "budgetId", "userId")
