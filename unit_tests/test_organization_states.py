"""A stream's state per organization (`source_bill/organization_states.py`)."""

from __future__ import annotations

from typing import Any

import orjson
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    Type,
)

from source_bill.organization_states import OrganizationStates, blob_of, states_of
from unit_tests.messages import stream_state

FIRST, SECOND, GONE = "00801FIRST", "00801SECOND", "00801GONE"


def _state(stream: str, blob: dict[str, Any]) -> AirbyteStateMessage:
    return stream_state(stream, blob)


def _cursor(moment: str) -> dict[str, str]:
    return {"updatedTime": moment}


def test_given_a_one_organization_state_when_split_then_it_belongs_to_the_first_organization():
    states = [_state("invoices", _cursor("2025-01-01T00:00:00.000Z"))]
    assert [blob_of(s) for s in states_of(states, FIRST, FIRST)] == [_cursor("2025-01-01T00:00:00.000Z")]
    assert states_of(states, SECOND, FIRST) == []  # a new organization starts from start_date


def test_given_a_state_per_organization_when_split_then_each_gets_its_own():
    states = [
        _state(
            "invoices",
            {
                "organizations": {
                    FIRST: _cursor("2025-01-01T00:00:00.000Z"),
                    SECOND: _cursor("2025-02-01T00:00:00.000Z"),
                }
            },
        )
    ]
    assert blob_of(states_of(states, SECOND, FIRST)[0]) == _cursor("2025-02-01T00:00:00.000Z")
    assert blob_of(states_of(states, FIRST, FIRST)[0]) == _cursor("2025-01-01T00:00:00.000Z")
    assert states_of(states, GONE, FIRST) == []


def test_given_organizations_read_when_one_saves_then_the_stream_state_holds_all_read():
    states = OrganizationStates(
        [
            _state(
                "invoices",
                {"organizations": {FIRST: _cursor("2025-01-01T00:00:00.000Z"), GONE: _cursor("x")}},
            )
        ],
        [FIRST, SECOND],
        FIRST,
    )
    combined = states.update(SECOND, _state("invoices", _cursor("2025-03-01T00:00:00.000Z")))
    assert blob_of(combined) == {
        "organizations": {
            FIRST: _cursor("2025-01-01T00:00:00.000Z"),  # not read yet in this sync: kept
            SECOND: _cursor("2025-03-01T00:00:00.000Z"),
        }
    }  # GONE is no longer read: forgotten
    assert combined.stream.stream_descriptor.name == "invoices"


def test_given_a_combined_state_when_read_back_then_each_organization_resumes_where_it_was():
    states = OrganizationStates(None, [FIRST, SECOND], FIRST)
    states.update(FIRST, _state("bills", _cursor("2025-01-02T00:00:00.000Z")))
    combined = states.update(SECOND, _state("bills", _cursor("2025-01-03T00:00:00.000Z")))
    text = orjson.dumps(AirbyteMessageSerializer.dump(AirbyteMessage(type=Type.STATE, state=combined)))
    round_trip = AirbyteMessageSerializer.load(orjson.loads(text)).state
    assert blob_of(states_of([round_trip], SECOND, FIRST)[0]) == _cursor("2025-01-03T00:00:00.000Z")
    assert blob_of(states_of([round_trip], FIRST, FIRST)[0]) == _cursor("2025-01-02T00:00:00.000Z")
