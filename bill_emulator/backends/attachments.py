"""Attachments of customers, invoices and vendors (/v3/attachments/...).

An upload is the raw file as the request body with `?name=`; BILL keeps it (6 MB at most) and answers
`{id, name, createdTime, downloadLink}`. The emulator keeps the metadata only (size and content type in
the meta table, so list pages stay exactly BILL's shape).
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.backends.invoices import INVOICES
from bill_emulator.errors import invalid_parameter, not_found
from bill_emulator.handlers import ORG, Call, Reply, list_body
from bill_emulator.resources import Resource, register
from bill_emulator.validation import file_size

# URL segment -> (storage kind of the owner, its path parameter, how errors name it)
OWNERS = {
    "customers": ("customers", "customerId", "Customer"),
    "invoices": ("invoices", "invoiceId", "Invoice"),
    "vendors": ("vendors", "vendorId", "Vendor"),
}


def build_attachment(ctx: Context, data: dict) -> dict:
    return {
        "id": data["id"],
        "name": data["name"],
        "createdTime": data["createdTime"],
        "downloadLink": data["downloadLink"],
    }


# Attachment lists take only `max` and `page`: no filters, no sort.
ATTACHMENTS = register(
    Resource("attachments", "Attachment", "att", build_attachment, filters={}, sorts=frozenset())
)


def _owner(call: Call, segment: str) -> str:
    kind, param, label = OWNERS[segment]
    owner_id = call.path[param]
    row = call.ctx.store.get(kind, owner_id)
    if row is None or row.scope != call.ctx.scope:
        raise not_found(label, owner_id)
    return owner_id


def list_for(segment: str) -> Callable[[Call], Reply]:
    """GET /v3/attachments/{customers|invoices|vendors}/{id}: that object's attachments, oldest first."""

    def handler(call: Call) -> Reply:
        return list_body(call, ATTACHMENTS, ORG, parent_id=_owner(call, segment))

    return handler


def upload_for(segment: str) -> Callable[[Call], Reply]:
    """POST /v3/attachments/{customers|invoices|vendors}/{id}?name=: store one uploaded file."""

    def handler(call: Call) -> Reply:
        ctx = call.ctx
        owner_id = _owner(call, segment)
        name = (call.query.get("name") or "").strip()
        if not name:
            raise invalid_parameter("name is required: the file name of the attachment.")
        replace = (call.query.get("replaceInvoicePdf") or "false").lower()
        if segment == "invoices" and replace not in ("true", "false"):
            raise invalid_parameter("replaceInvoicePdf must be true or false.")
        size = file_size(call.body)
        attachment_id = ctx.ids.new("att")
        host = call.headers.get("host") or "localhost"
        attachment = build_attachment(
            ctx,
            {
                "id": attachment_id,
                "name": name,
                "createdTime": ctx.now(),
                "downloadLink": f"http://{host}/connect/v3/attachments/{attachment_id}/download",
            },
        )
        ctx.store.insert("attachments", ctx.scope, attachment, parent_id=owner_id)
        meta = {"owner": owner_id, "size": size, "contentType": call.headers.get("content-type", "")}
        ctx.store.set_meta(f"attachment:{attachment_id}", orjson.dumps(meta).decode())
        if segment == "invoices" and replace == "true":
            invoice = generic.get(ctx, INVOICES, owner_id)
            invoice["invoicePdfId"] = attachment_id
            generic.save(ctx, INVOICES, invoice)
        return Reply(200, attachment)

    return handler


def get_attachment(call: Call) -> Reply:
    return Reply(200, generic.get(call.ctx, ATTACHMENTS, call.path["attachmentId"]))


def delete_attachment(call: Call) -> Reply:
    """DELETE /v3/attachments/{attachmentId}: gone for good -> {"status": "SUCCESS"}."""
    attachment = generic.delete(call.ctx, ATTACHMENTS, call.path["attachmentId"])
    call.ctx.store.execute("DELETE FROM meta WHERE key = ?", (f"attachment:{attachment['id']}",))
    return Reply(200, {"status": "SUCCESS"})
