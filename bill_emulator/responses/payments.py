"""AP payments (/v3/payments). Reads settle the payments that fell due first."""

from __future__ import annotations

from bill_emulator.backends import payments
from bill_emulator.handlers import ORG, Call, Reply, list_body
from bill_emulator.responses.answers import answer


def list_payments(call: Call) -> Reply:
    payments.settle_due_payments(call.ctx)
    return list_body(call, payments.PAYMENTS, ORG)


def get_payment(call: Call) -> Reply:
    payments.settle_due_payments(call.ctx)
    return Reply(200, payments.get_payment(call.ctx, call.path["paymentId"]))


create_payment = answer(payments.create_payment, body=True, status=201)
create_bulk_payment = answer(payments.create_bulk_payment, body=True, status=201)
cancel_payment = answer(payments.cancel_payment, "paymentId")
void_payment = answer(payments.void_payment, "paymentId", body=True)
check_image = answer(payments.check_image, "paymentId")
payment_options = answer(payments.payment_options, query=True)
exchange_rate = answer(payments.exchange_rate, query=True)
