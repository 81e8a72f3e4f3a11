"""Customers' own routes beside their CRUD: bank accounts and charge authorization."""

from __future__ import annotations

from bill_emulator.backends import customers
from bill_emulator.handlers import ORG, Call, Reply, list_body
from bill_emulator.responses.answers import answer


def list_bank_accounts(call: Call) -> Reply:
    customer = customers.get_customer(call.ctx, call.path["customerId"])
    return list_body(call, customers.CUSTOMER_BANK_ACCOUNTS, ORG, parent_id=customer["id"])


create_bank_account = answer(customers.create_bank_account, "customerId", body=True, status=201)
get_bank_account = answer(customers.get_bank_account, "customerId", "bankAccountId")
update_bank_account = answer(customers.update_bank_account, "customerId", "bankAccountId", body=True)
archive_bank_account = answer(customers.archive_bank_account, "customerId", "bankAccountId")
set_charge_authorization = answer(customers.set_charge_authorization, "customerId", body=True)
