"""Bill documents (/v3/documents): uploads that finish in the background, the documents they become, and
their upload statuses. Callers check the bill; this module knows documents only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.errors import invalid_parameter, not_found
from bill_emulator.query import Page
from bill_emulator.resources import Resource, register
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import file_size, ids_param

DOCUMENT_PREFIX = "00h"  # documented: a finished upload
UPLOAD_PREFIX = "0du"  # documented: an upload in progress
UPLOAD_SECONDS = 0.0  # an upload is in progress in its own response and done by the next call


def build_document(document_id: str, name: str, created: str) -> dict[str, Any]:
    return {"id": document_id, "name": name, "createdTime": created, "updatedTime": created}


def public_document(doc: dict[str, Any], host: str) -> dict[str, Any]:
    """downloadLink points at the emulator (like attachments); the emulator does not serve the file."""
    link = f"http://{host}/connect/v3/documents/{doc['id']}/download"
    return {"id": doc["id"], "name": doc["name"], "createdTime": doc["createdTime"], "downloadLink": link}


DOCUMENTS = register(Resource("documents", "Document", DOCUMENT_PREFIX, lambda ctx, data: data))


def finish_uploads(ctx: Context) -> None:
    """Uploads older than UPLOAD_SECONDS become documents (BILL finishes them in the background)."""
    cutoff = format_timestamp(ctx.clock.now() - UPLOAD_SECONDS)
    rows = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'document_uploads' AND scope = ?"
        " AND json_extract(body, '$.status') = 'IN_PROGRESS' AND created_time <= ?",
        (ctx.scope, cutoff),
    )
    for (raw,) in rows:
        upload = orjson.loads(raw)
        ready = ctx.now()
        document = build_document(upload["documentId"], upload["name"], ready)
        ctx.store.insert("documents", ctx.scope, document, upload["billId"])
        upload.update(status="UPLOADED", updatedTime=ready)
        ctx.store.replace("document_uploads", upload)


def document_page(ctx: Context, bill_id: str, query: Mapping[str, str], host: str) -> Page:
    """A page of a bill's documents (`max` and `page` only), as BILL shows them."""
    params = {k: v for k, v in query.items() if k in ("max", "page")}
    page = generic.list_page(ctx, DOCUMENTS, params, ("page",), parent_id=bill_id)
    bodies = [orjson.dumps(public_document(orjson.loads(b), host)).decode() for b in page.bodies]
    return Page(bodies, page.next_token, page.prev_token)


def start_upload(ctx: Context, bill_id: str, name: str | None, content: Any) -> dict[str, Any]:
    """An upload of a file for a bill: answered with the upload (0du) id; the document (00h) appears once
    the upload is done (see UPLOAD_SECONDS)."""
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise invalid_parameter("name is required: the file name, at most 255 characters.")
    file_size(content)
    now = ctx.now()
    upload = {
        "id": ctx.ids.new(UPLOAD_PREFIX),
        "documentId": ctx.ids.new(DOCUMENT_PREFIX),
        "billId": bill_id,
        "name": name,
        "status": "IN_PROGRESS",
        "createdTime": now,
        "updatedTime": now,
    }
    ctx.store.insert("document_uploads", ctx.scope, upload, bill_id)
    return {"id": upload["id"], "name": None, "createdTime": None, "downloadLink": None}


def upload_statuses(ctx: Context, query: Mapping[str, str]) -> list[dict[str, Any]]:
    """`?ids=`: IN_PROGRESS (uploadId only) or UPLOADED (with documentId)."""
    finish_uploads(ctx)
    statuses = []
    for upload_id in ids_param(query):
        row = ctx.store.get("document_uploads", upload_id)
        if row is None or row.scope != ctx.scope:
            raise not_found("Document upload", upload_id)
        done = row.body["status"] == "UPLOADED"
        statuses.append(
            {
                "documentId": row.body["documentId"] if done else None,
                "uploadId": upload_id,
                "status": row.body["status"],
            }
        )
    return statuses


def get_document(ctx: Context, document_id: str, host: str) -> dict[str, Any]:
    finish_uploads(ctx)
    return public_document(generic.get(ctx, DOCUMENTS, document_id), host)
