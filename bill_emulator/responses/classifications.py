"""The classifications' bulk routes (their CRUD is handlers.crud's): results wrapped under the kind's
plural name, bulk creates of at most BULK_CREATE_LIMIT, the classifications' own wording of body errors."""

from __future__ import annotations

from bill_emulator.backends import generic
from bill_emulator.backends.classifications import BULK_CREATE_LIMIT, KINDS, RESOURCES
from bill_emulator.errors import invalid_body
from bill_emulator.handlers import Call, Handler, Reply
from bill_emulator.validation import body_list, ids_param


def bulk_create(kind: str) -> Handler:
    """POST …/bulk: up to BULK_CREATE_LIMIT objects, all or none -> 201 {"<plural>": [...]}."""
    spec, res = KINDS[kind], RESOURCES[kind]
    return lambda call: Reply(
        201,
        {
            spec.wrapper: [
                generic.create(call.ctx, res, body) for body in body_list(call.body, BULK_CREATE_LIMIT)
            ]
        },
    )


def bulk_update(kind: str) -> Handler:
    """PATCH …/bulk: each object names its id; all or none -> 200 {"<plural>": [...]}."""
    spec, res = KINDS[kind], RESOURCES[kind]

    def handler(call: Call) -> Reply:
        results = []
        for body in body_list(call.body):
            if not isinstance(body.get("id"), str) or not body["id"]:
                raise invalid_body("id: must not be blank")
            results.append(generic.update(call.ctx, res, body["id"], body))
        return Reply(200, {spec.wrapper: results})

    return handler


def bulk_set_archived(kind: str, archived: bool) -> Handler:
    """POST …/bulk/archive|restore?ids=a,b -> 200 {"<plural>": [...]}."""
    spec, res = KINDS[kind], RESOURCES[kind]
    return lambda call: Reply(
        200, {spec.wrapper: [generic.set_archived(call.ctx, res, i, archived) for i in ids_param(call.query)]}
    )
