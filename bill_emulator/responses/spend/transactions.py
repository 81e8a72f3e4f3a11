"""Transactions (/v3/spend/transactions): tags, receipts, custom fields and 3-D Secure challenges."""

from __future__ import annotations

from bill_emulator.backends.spend import transactions
from bill_emulator.responses.answers import answer, done, page_of

list_transactions = page_of(transactions.transaction_page)
get_transaction = answer(transactions.get_transaction, "transactionId", query=True)
update_transaction = answer(transactions.update_transaction, "transactionId", body=True, query=True)
list_custom_fields = answer(transactions.list_custom_fields, "transactionId", query=True)
update_custom_fields = answer(transactions.update_custom_fields, "transactionId", body=True)
add_receipt = answer(transactions.add_receipt, "transactionId", body=True)
delete_receipt = done(transactions.delete_receipt, "transactionId", "receiptId")
receipt_upload_url = answer(transactions.receipt_upload_url)
three_ds_challenge = answer(transactions.three_ds_challenge, "acsTransactionId", body=True)
list_custom_field_values = answer(
    transactions.custom_field_values, "transactionId", "customFieldId", query=True
)
