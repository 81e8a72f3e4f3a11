"""Custom fields and their values (/v3/spend/custom-fields)."""

from __future__ import annotations

from bill_emulator.backends.spend import custom_fields
from bill_emulator.handlers import Call, Reply, page_payload


def list_custom_fields(call: Call) -> Reply:
    return Reply(200, raw=page_payload(custom_fields.field_page(call.ctx, call.query)))


def list_values(call: Call) -> Reply:
    return Reply(
        200, raw=page_payload(custom_fields.value_page(call.ctx, call.path["customFieldId"], call.query))
    )


def create_custom_field(call: Call) -> Reply:
    return Reply(200, custom_fields.create_custom_field(call.ctx, call.body))


def get_custom_field(call: Call) -> Reply:
    return Reply(200, custom_fields.get_custom_field(call.ctx, call.path["customFieldId"]))


def update_custom_field(call: Call) -> Reply:
    return Reply(200, custom_fields.update_custom_field(call.ctx, call.path["customFieldId"], call.body))


def delete_custom_field(call: Call) -> Reply:
    custom_fields.delete_custom_field(call.ctx, call.path["customFieldId"])
    return Reply(200)


def create_values(call: Call) -> Reply:
    return Reply(200, custom_fields.create_values(call.ctx, call.path["customFieldId"], call.body))


def delete_values(call: Call) -> Reply:
    custom_fields.delete_values(call.ctx, call.path["customFieldId"], call.body)
    return Reply(200)


def get_value(call: Call) -> Reply:
    return Reply(
        200, custom_fields.get_value(call.ctx, call.path["customFieldId"], call.path["customFieldValueId"])
    )
