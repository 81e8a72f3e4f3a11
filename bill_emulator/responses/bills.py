"""Bills' own routes beside their CRUD: approval actions and policies, documents, recorded payments."""

from __future__ import annotations

from bill_emulator.backends import approvals, bills, documents, payments
from bill_emulator.handlers import Call, Reply, page_payload
from bill_emulator.responses.answers import answer, done


def _host(call: Call) -> str:
    return call.headers.get("host") or "localhost"


# -- approvals ------------------------------------------------------------------------------------
approval_actions = answer(bills.approval_actions, body=True)
pending_approvals = answer(approvals.pending_approvals)
list_policies = answer(approvals.list_policies)
create_policy = answer(approvals.create_policy, body=True, status=201)
update_policy = answer(approvals.update_policy, "policyId", body=True)
delete_policy = done(approvals.delete_policy, "policyId", payload={"status": "SUCCESS"})


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


upload_status = answer(documents.upload_statuses, query=True)


def get_document(call: Call) -> Reply:
    return Reply(200, documents.get_document(call.ctx, call.path["documentId"], _host(call)))


# -- payments made outside BILL ---------------------------------------------------------------------
# POST /v3/bills/record-payment: a payment made outside BILL, applied to the vendor's bills.
record_payment = answer(payments.record_payment, body=True)
