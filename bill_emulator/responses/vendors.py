"""Vendors' own routes beside their CRUD: the one bank account, configurations and the audit trail."""

from __future__ import annotations

from bill_emulator.backends import vendors
from bill_emulator.handlers import Call, Reply


def get_bank_account(call: Call) -> Reply:
    return Reply(200, vendors.get_bank_account(call.ctx, call.path["vendorId"]))


def create_bank_account(call: Call) -> Reply:
    return Reply(200, vendors.create_bank_account(call.ctx, call.path["vendorId"], call.body))


def delete_bank_account(call: Call) -> Reply:
    vendors.delete_bank_account(call.ctx, call.path["vendorId"])
    return Reply(204)


def international_payments(call: Call) -> Reply:
    return Reply(200, vendors.international_payments(call.query))


def vendor_configuration(call: Call) -> Reply:
    return Reply(200, vendors.vendor_configuration(call.ctx, call.path["vendorId"]))


def audit_trail(call: Call) -> Reply:
    return Reply(200, vendors.audit_trail(call.ctx, call.path["vendorId"], call.query))
