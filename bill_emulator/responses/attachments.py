"""Attachments of customers, invoices and vendors (/v3/attachments/...)."""

from __future__ import annotations

from bill_emulator.backends import attachments
from bill_emulator.handlers import ORG, Call, Handler, Reply, list_body
from bill_emulator.responses.answers import answer, done


def _owner_id(call: Call, segment: str) -> str:
    return call.path[attachments.OWNERS[segment][1]]


def list_for(segment: str) -> Handler:
    """GET /v3/attachments/{customers|invoices|vendors}/{id}: that object's attachments, oldest first."""

    def handler(call: Call) -> Reply:
        owner_id = attachments.owner(call.ctx, segment, _owner_id(call, segment))
        return list_body(call, attachments.ATTACHMENTS, ORG, parent_id=owner_id)

    return handler


def upload_for(segment: str) -> Handler:
    """POST /v3/attachments/{customers|invoices|vendors}/{id}?name= with the file as the body."""

    def handler(call: Call) -> Reply:
        owner_id = _owner_id(call, segment)
        return Reply(
            200, attachments.upload(call.ctx, segment, owner_id, call.query, call.body, call.headers)
        )

    return handler


get_attachment = answer(attachments.get_attachment, "attachmentId")
delete_attachment = done(attachments.delete_attachment, "attachmentId", payload={"status": "SUCCESS"})
