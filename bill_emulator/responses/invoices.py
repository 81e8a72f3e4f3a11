"""Invoices' own routes beside their CRUD: payment links, emails, recorded payments and charges."""

from __future__ import annotations

from bill_emulator.backends import invoices
from bill_emulator.responses.answers import answer, done

payment_link = answer(invoices.payment_link, "invoiceId", body=True)
send_invoice = done(invoices.send_invoice, "invoiceId", payload={})
record_payment = answer(invoices.record_payment, body=True)
charge_customer = answer(invoices.charge_customer, body=True, status=201)
get_received_payment = answer(invoices.get_received_payment, "receivedPaymentId")
