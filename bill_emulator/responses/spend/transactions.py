"""Transactions (/v3/spend/transactions): tags, receipts, custom fields and 3-D Secure challenges."""

from __future__ import annotations

from bill_emulator.backends.spend import transactions
from bill_emulator.handlers import Call, Reply, page_payload


def list_transactions(call: Call) -> Reply:
    return Reply(200, raw=page_payload(transactions.transaction_page(call.ctx, call.query)))


def get_transaction(call: Call) -> Reply:
    return Reply(200, transactions.get_transaction(call.ctx, call.path["transactionId"], call.query))


def update_transaction(call: Call) -> Reply:
    return Reply(
        200, transactions.update_transaction(call.ctx, call.path["transactionId"], call.body, call.query)
    )


def list_custom_fields(call: Call) -> Reply:
    return Reply(200, transactions.list_custom_fields(call.ctx, call.path["transactionId"], call.query))


def update_custom_fields(call: Call) -> Reply:
    return Reply(200, transactions.update_custom_fields(call.ctx, call.path["transactionId"], call.body))


def add_receipt(call: Call) -> Reply:
    return Reply(200, transactions.add_receipt(call.ctx, call.path["transactionId"], call.body))


def delete_receipt(call: Call) -> Reply:
    transactions.delete_receipt(call.ctx, call.path["transactionId"], call.path["receiptId"])
    return Reply(200)


def receipt_upload_url(call: Call) -> Reply:
    return Reply(200, transactions.receipt_upload_url(call.ctx))


def three_ds_challenge(call: Call) -> Reply:
    return Reply(200, transactions.three_ds_challenge(call.ctx, call.path["acsTransactionId"], call.body))


def list_custom_field_values(call: Call) -> Reply:
    transaction_id, field_id = call.path["transactionId"], call.path["customFieldId"]
    return Reply(200, transactions.custom_field_values(call.ctx, transaction_id, field_id, call.query))
