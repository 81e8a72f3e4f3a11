"""AP payments (/v3/payments). Reads settle the payments that fell due first."""

from __future__ import annotations

from bill_emulator.backends import payments
from bill_emulator.handlers import ORG, Call, Reply, list_body


def list_payments(call: Call) -> Reply:
    payments.settle_due_payments(call.ctx)
    return list_body(call, payments.PAYMENTS, ORG)


def get_payment(call: Call) -> Reply:
    payments.settle_due_payments(call.ctx)
    return Reply(200, payments.get_payment(call.ctx, call.path["paymentId"]))


def create_payment(call: Call) -> Reply:
    return Reply(201, payments.create_payment(call.ctx, call.body))


def create_bulk_payment(call: Call) -> Reply:
    return Reply(201, payments.create_bulk_payment(call.ctx, call.body))


def cancel_payment(call: Call) -> Reply:
    return Reply(200, payments.cancel_payment(call.ctx, call.path["paymentId"]))


def void_payment(call: Call) -> Reply:
    return Reply(200, payments.void_payment(call.ctx, call.path["paymentId"], call.body))


def check_image(call: Call) -> Reply:
    return Reply(200, payments.check_image(call.ctx, call.path["paymentId"]))


def payment_options(call: Call) -> Reply:
    return Reply(200, payments.payment_options(call.ctx, call.query))


def exchange_rate(call: Call) -> Reply:
    return Reply(200, payments.exchange_rate(call.ctx, call.query))
