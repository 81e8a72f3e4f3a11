"""Custom fields and their values (/v3/spend/custom-fields)."""

from __future__ import annotations

from bill_emulator.backends.spend import custom_fields
from bill_emulator.responses.answers import answer, done, page_of

list_custom_fields = page_of(custom_fields.field_page)
list_values = page_of(custom_fields.value_page, "customFieldId")
create_custom_field = answer(custom_fields.create_custom_field, body=True)
get_custom_field = answer(custom_fields.get_custom_field, "customFieldId")
update_custom_field = answer(custom_fields.update_custom_field, "customFieldId", body=True)
delete_custom_field = done(custom_fields.delete_custom_field, "customFieldId")
create_values = answer(custom_fields.create_values, "customFieldId", body=True)
delete_values = done(custom_fields.delete_values, "customFieldId", body=True)
get_value = answer(custom_fields.get_value, "customFieldId", "customFieldValueId")
