"""Reimbursements (/v3/spend/reimbursements): claims, their approval steps and receipts."""

from __future__ import annotations

from bill_emulator.backends.spend import reimbursements
from bill_emulator.handlers import Call, Reply, page_payload


def list_reimbursements(call: Call) -> Reply:
    return Reply(200, raw=page_payload(reimbursements.reimbursement_page(call.ctx, call.query)))


def create_reimbursement(call: Call) -> Reply:
    return Reply(200, reimbursements.create_reimbursement(call.ctx, call.body))


def get_reimbursement(call: Call) -> Reply:
    return Reply(200, reimbursements.get_reimbursement(call.ctx, call.path["reimbursementId"]))


def update_reimbursement(call: Call) -> Reply:
    return Reply(200, reimbursements.update_reimbursement(call.ctx, call.path["reimbursementId"], call.body))


def delete_reimbursement(call: Call) -> Reply:
    reimbursements.delete_reimbursement(call.ctx, call.path["reimbursementId"])
    return Reply(200)


def act(call: Call) -> Reply:
    return Reply(200, reimbursements.act(call.ctx, call.path["reimbursementId"], call.body))


def add_receipt(call: Call) -> Reply:
    return Reply(200, reimbursements.add_receipt(call.ctx, call.path["reimbursementId"], call.body))


def delete_receipt(call: Call) -> Reply:
    reimbursements.delete_receipt(call.ctx, call.path["reimbursementId"], call.path["receiptId"])
    return Reply(200)


def image_upload_url(call: Call) -> Reply:
    return Reply(200, reimbursements.image_upload_url(call.ctx))
