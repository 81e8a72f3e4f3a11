"""Customers' own routes beside their CRUD: bank accounts and charge authorization."""

from __future__ import annotations

from bill_emulator.backends import customers
from bill_emulator.handlers import ORG, Call, Reply, list_body


def list_bank_accounts(call: Call) -> Reply:
    customer = customers.get_customer(call.ctx, call.path["customerId"])
    return list_body(call, customers.CUSTOMER_BANK_ACCOUNTS, ORG, parent_id=customer["id"])


def create_bank_account(call: Call) -> Reply:
    return Reply(201, customers.create_bank_account(call.ctx, call.path["customerId"], call.body))


def get_bank_account(call: Call) -> Reply:
    return Reply(
        200, customers.get_bank_account(call.ctx, call.path["customerId"], call.path["bankAccountId"])
    )


def update_bank_account(call: Call) -> Reply:
    customer_id, account_id = call.path["customerId"], call.path["bankAccountId"]
    return Reply(200, customers.update_bank_account(call.ctx, customer_id, account_id, call.body))


def archive_bank_account(call: Call) -> Reply:
    customer_id, account_id = call.path["customerId"], call.path["bankAccountId"]
    return Reply(200, customers.archive_bank_account(call.ctx, customer_id, account_id))


def set_charge_authorization(call: Call) -> Reply:
    return Reply(200, customers.set_charge_authorization(call.ctx, call.path["customerId"], call.body))
