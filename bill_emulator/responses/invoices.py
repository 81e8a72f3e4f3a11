"""Invoices' own routes beside their CRUD: payment links, emails, recorded payments and charges."""

from __future__ import annotations

from bill_emulator.backends import invoices
from bill_emulator.handlers import Call, Reply


def payment_link(call: Call) -> Reply:
    return Reply(200, invoices.payment_link(call.ctx, call.path["invoiceId"], call.body))


def send_invoice(call: Call) -> Reply:
    invoices.send_invoice(call.ctx, call.path["invoiceId"])
    return Reply(200, {})


def record_payment(call: Call) -> Reply:
    return Reply(200, invoices.record_payment(call.ctx, call.body))


def charge_customer(call: Call) -> Reply:
    return Reply(201, invoices.charge_customer(call.ctx, call.body))


def get_received_payment(call: Call) -> Reply:
    return Reply(200, invoices.get_received_payment(call.ctx, call.path["receivedPaymentId"]))
