"""Reimbursements (/v3/spend/reimbursements): claims, their approval steps and receipts."""

from __future__ import annotations

from bill_emulator.backends.spend import reimbursements
from bill_emulator.responses.answers import answer, done, page_of

list_reimbursements = page_of(reimbursements.reimbursement_page)
create_reimbursement = answer(reimbursements.create_reimbursement, body=True)
get_reimbursement = answer(reimbursements.get_reimbursement, "reimbursementId")
update_reimbursement = answer(reimbursements.update_reimbursement, "reimbursementId", body=True)
delete_reimbursement = done(reimbursements.delete_reimbursement, "reimbursementId")
act = answer(reimbursements.act, "reimbursementId", body=True)
add_receipt = answer(reimbursements.add_receipt, "reimbursementId", body=True)
delete_receipt = done(reimbursements.delete_receipt, "reimbursementId", "receiptId")
image_upload_url = answer(reimbursements.image_upload_url)
