"""Several organizations' reads merged into one sync's messages (`source_bill/organization_reads.py`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStreamStatus,
    FailureType,
    Level,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.utils.stream_status_utils import as_airbyte_message as status_message
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_bill.organization_reads import Finished, OrganizationReads, ThreadedReads
from source_bill.organization_states import OrganizationStates, blob_of
from unit_tests.messages import state_message

FIRST, SECOND, REFUSED = "00801FIRST", "00801SECOND", "00801REFUSED"
STREAMS = ["invoices", "bills"]


def _record(stream: str, organization_id: str, number: int) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.RECORD,
        record=AirbyteRecordMessage(
            stream=stream,
            data={"id": f"{organization_id}-{number}", "organizationId": organization_id},
            emitted_at=0,
        ),
    )


def _state(stream: str, moment: str) -> AirbyteMessage:
    return state_message(stream, {"updatedTime": moment})


def _status(stream: str, status: AirbyteStreamStatus) -> AirbyteMessage:
    return status_message(StreamDescriptor(name=stream), status)


def _a_good_read(organization_id: str) -> Iterator[AirbyteMessage]:
    for stream in STREAMS:
        yield _status(stream, AirbyteStreamStatus.STARTED)
        yield _status(stream, AirbyteStreamStatus.RUNNING)
        for number in range(3):
            yield _record(stream, organization_id, number)
        yield _state(stream, f"2025-01-0{len(organization_id) % 9}T00:00:00.000Z")
        yield _status(stream, AirbyteStreamStatus.COMPLETE)
    yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="done"))


def _read(organization_id: str) -> Iterator[AirbyteMessage]:
    if organization_id == REFUSED:
        raise AirbyteTracedException(
            message="BILL refused the sign-in", failure_type=FailureType.config_error
        )
    yield from _a_good_read(organization_id)


def _reads(organizations: list[str], at_once: int = 20) -> OrganizationReads:
    states = OrganizationStates(None, organizations, organizations[0])
    return OrganizationReads(
        organizations, STREAMS, _read, states, logging.getLogger("test"), at_once=at_once
    )


def _run(organizations: list[str]) -> tuple[list[AirbyteMessage], BaseException | None]:
    reads = _reads(organizations)
    seen: list[AirbyteMessage] = []
    try:
        for message in reads.messages():
            seen.append(message)
    except AirbyteTracedException as error:
        return seen, error
    return seen, None


def _statuses(messages: list[AirbyteMessage], stream: str) -> list[AirbyteStreamStatus]:
    return [
        m.trace.stream_status.status
        for m in messages
        if m.type == Type.TRACE
        and m.trace.stream_status
        and m.trace.stream_status.stream_descriptor.name == stream
    ]


def test_given_two_organizations_when_read_then_every_record_comes_once():
    messages, error = _run([FIRST, SECOND])
    assert error is None
    ids = sorted(m.record.data["id"] for m in messages if m.type == Type.RECORD)
    assert ids == sorted(f"{o}-{n}" for o in (FIRST, SECOND) for n in range(3) for _ in STREAMS)


def test_given_two_organizations_when_read_then_each_stream_has_one_status_of_each_kind():
    messages, _ = _run([FIRST, SECOND])
    for stream in STREAMS:
        assert _statuses(messages, stream) == [
            AirbyteStreamStatus.STARTED,
            AirbyteStreamStatus.RUNNING,
            AirbyteStreamStatus.COMPLETE,
        ]


def test_given_two_organizations_when_both_saved_then_the_last_state_holds_both():
    messages, _ = _run([FIRST, SECOND])
    last = [
        m.state for m in messages if m.type == Type.STATE and m.state.stream.stream_descriptor.name == "bills"
    ][-1]
    assert set(blob_of(last)["organizations"]) == {FIRST, SECOND}


def test_given_an_organization_refusing_sign_in_when_read_then_others_delivered_and_error_names_it():
    messages, error = _run([FIRST, REFUSED, SECOND])
    organizations = {m.record.data["organizationId"] for m in messages if m.type == Type.RECORD}
    assert organizations == {FIRST, SECOND}
    assert isinstance(error, AirbyteTracedException)
    assert error.failure_type == FailureType.config_error
    assert REFUSED in error.message and "BILL refused the sign-in" in error.message
    assert FIRST not in error.message
    assert _statuses(messages, "invoices")[-1] == AirbyteStreamStatus.INCOMPLETE


def test_given_many_organizations_when_logs_are_written_then_each_names_its_organization():
    messages, _ = _run([FIRST, SECOND])
    logs = sorted(m.log.message for m in messages if m.type == Type.LOG)
    assert logs == [f"[organization {FIRST}] done", f"[organization {SECOND}] done"]


@pytest.mark.parametrize("at_once", [1, 2, 5])
def test_given_fewer_readers_than_organizations_when_read_then_all_are_read(at_once: int):
    organizations = [f"00801ORG{index}" for index in range(5)]
    reads = _reads(organizations, at_once=at_once)
    records = [m for m in reads.messages() if m.type == Type.RECORD]
    assert {m.record.data["organizationId"] for m in records} == set(organizations)
    assert len(records) == 5 * 3 * len(STREAMS)


def test_given_the_writer_stops_early_when_closed_then_the_readers_end():
    organizations = [FIRST, SECOND]
    reads = _reads(organizations)
    messages = reads.messages()
    next(messages)
    messages.close()  # no hang, no error


def test_given_readers_that_hand_over_themselves_when_run_then_each_organizations_items_come_in_order_and_end_once():
    handed: list = []
    lock = threading.Lock()

    def hand_over(item) -> bool:
        with lock:
            handed.append((threading.current_thread().name, item))
        return True

    ThreadedReads([FIRST, SECOND, REFUSED], _read, at_once=2).run(hand_over)

    assert all(name.startswith("organizations-") for name, _ in handed)  # in the reading threads
    ends = {item.organization_id: item.error for _, item in handed if isinstance(item, Finished)}
    assert set(ends) == {FIRST, SECOND, REFUSED}
    assert ends[FIRST] is None and ends[SECOND] is None
    assert isinstance(ends[REFUSED], AirbyteTracedException)
    for organization in (FIRST, SECOND):
        own = [_shown(item[1]) for _, item in handed if isinstance(item, tuple) and item[0] == organization]
        assert own == [_shown(message) for message in _a_good_read(organization)]  # nothing lost or reordered


def _shown(message: AirbyteMessage) -> tuple:
    """What a message says, without its time."""
    if message.type == Type.RECORD:
        return (message.type, message.record.stream, message.record.data)
    if message.type == Type.STATE:
        return (message.type, message.state.stream.stream_descriptor.name, blob_of(message.state))
    if message.type == Type.TRACE:
        return (
            message.type,
            message.trace.stream_status.stream_descriptor.name,
            message.trace.stream_status.status,
        )
    return (message.type, message.log.message)
