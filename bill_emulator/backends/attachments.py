"""Attachments of customers, invoices and vendors (/v3/attachments/...).

An upload is the raw file as the request body with `?name=`; BILL keeps it (6 MB at most) and answers
`{id, name, createdTime, downloadLink}`. The emulator keeps the metadata only (size and content type in
the meta table, so list pages stay exactly BILL's shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.backends.invoices import INVOICES
from bill_emulator.errors import invalid_parameter, not_found
from bill_emulator.resources import Resource, register
from bill_emulator.validation import file_size

# URL segment -> (storage kind of the owner, its path parameter, how errors name it)
OWNERS = {
    "customers": ("customers", "customerId", "Customer"),
    "invoices": ("invoices", "invoiceId", "Invoice"),
    "vendors": ("vendors", "vendorId", "Vendor"),
}


def build_attachment(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
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


def owner(ctx: Context, segment: str, owner_id: str) -> str:
    """The customer, invoice or vendor an attachment route names (404 when it is not this organization's)."""
    kind, _param, label = OWNERS[segment]
    row = ctx.store.get(kind, owner_id)
    if row is None or row.scope != ctx.scope:
        raise not_found(label, owner_id)
    return owner_id


def upload(
    ctx: Context,
    segment: str,
    owner_id: str,
    query: Mapping[str, str],
    content: Any,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """Store one uploaded file (`?name=`, and for invoices `?replaceInvoicePdf=`); its size and content type
    go to the meta table, so list pages stay exactly BILL's shape."""
    owner_id = owner(ctx, segment, owner_id)
    name = (query.get("name") or "").strip()
    if not name:
        raise invalid_parameter("name is required: the file name of the attachment.")
    replace = (query.get("replaceInvoicePdf") or "false").lower()
    if segment == "invoices" and replace not in ("true", "false"):
        raise invalid_parameter("replaceInvoicePdf must be true or false.")
    size = file_size(content)
    attachment_id = ctx.ids.new("att")
    host = headers.get("host") or "localhost"
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
    meta = {"owner": owner_id, "size": size, "contentType": headers.get("content-type", "")}
    ctx.store.set_meta(f"attachment:{attachment_id}", orjson.dumps(meta).decode())
    if segment == "invoices" and replace == "true":
        invoice = generic.get(ctx, INVOICES, owner_id)
        invoice["invoicePdfId"] = attachment_id
        generic.save(ctx, INVOICES, invoice)
    return attachment


def get_attachment(ctx: Context, attachment_id: str) -> dict[str, Any]:
    return generic.get(ctx, ATTACHMENTS, attachment_id)


def delete_attachment(ctx: Context, attachment_id: str) -> None:
    """Gone for good, with its meta."""
    attachment = generic.delete(ctx, ATTACHMENTS, attachment_id)
    ctx.store.execute("DELETE FROM meta WHERE key = ?", (f"attachment:{attachment['id']}",))
