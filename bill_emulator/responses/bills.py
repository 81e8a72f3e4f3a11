"""Bills' own routes beside their CRUD: approval actions and policies, documents, recorded payments."""

from __future__ import annotations

from bill_emulator.backends import approvals, bills, documents, payments
from bill_emulator.handlers import Call, Reply, page_payload


def _host(call: Call) -> str:
    return call.headers.get("host") or "localhost"


# -- approvals ------------------------------------------------------------------------------------
def approval_actions(call: Call) -> Reply:
    return Reply(200, bills.approval_actions(call.ctx, call.body))


def pending_approvals(call: Call) -> Reply:
    return Reply(200, approvals.pending_approvals(call.ctx))


def list_policies(call: Call) -> Reply:
    return Reply(200, approvals.list_policies(call.ctx))


def create_policy(call: Call) -> Reply:
    return Reply(201, approvals.create_policy(call.ctx, call.body))


def update_policy(call: Call) -> Reply:
    return Reply(200, approvals.update_policy(call.ctx, call.path["policyId"], call.body))


def delete_policy(call: Call) -> Reply:
    approvals.delete_policy(call.ctx, call.path["policyId"])
    return Reply(200, {"status": "SUCCESS"})


# -- documents ------------------------------------------------------------------------------------
def list_documents(call: Call) -> Reply:
    """GET /v3/documents/bills/{billId}?max&page."""
    documents.finish_uploads(call.ctx)
    bill = bills.get_bill(call.ctx, call.path["billId"])
    return Reply(
        200, raw=page_payload(documents.document_page(call.ctx, bill["id"], call.query, _host(call)))
    )


def upload_document(call: Call) -> Reply:
    """POST /v3/documents/bills/{billId}?name= with the file as the body."""
    bill = bills.get_bill(call.ctx, call.path["billId"])
    return Reply(200, documents.start_upload(call.ctx, bill["id"], call.query.get("name"), call.body))


def upload_status(call: Call) -> Reply:
    return Reply(200, documents.upload_statuses(call.ctx, call.query))


def get_document(call: Call) -> Reply:
    return Reply(200, documents.get_document(call.ctx, call.path["documentId"], _host(call)))


# -- payments made outside BILL ---------------------------------------------------------------------
def record_payment(call: Call) -> Reply:
    """POST /v3/bills/record-payment: a payment made outside BILL, applied to the vendor's bills."""
    return Reply(200, payments.record_payment(call.ctx, call.body))
