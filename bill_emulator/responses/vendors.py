"""Vendors' own routes beside their CRUD: the one bank account, configurations and the audit trail."""

from __future__ import annotations

from bill_emulator.backends import vendors
from bill_emulator.handlers import Call, Reply
from bill_emulator.responses.answers import answer, done

get_bank_account = answer(vendors.get_bank_account, "vendorId")
create_bank_account = answer(vendors.create_bank_account, "vendorId", body=True)
delete_bank_account = done(vendors.delete_bank_account, "vendorId", status=204)


def international_payments(call: Call) -> Reply:
    return Reply(200, vendors.international_payments(call.query))


vendor_configuration = answer(vendors.vendor_configuration, "vendorId")
audit_trail = answer(vendors.audit_trail, "vendorId", query=True)
