"""Several organizations read side by side, their messages written as one sync's.

BILL's limit of 3 requests in flight is per developer key *and organization*, so each organization
is read by a read of its own (its session, its 3 slots, its windows), up to `ORGANIZATIONS_AT_ONCE`
at a time; the hourly request budget and the logins are the developer key's, shared by all
(`client/gate.py`, `client/sessions.py`). What the reads write is merged here:

* records pass through (each carries its `organizationId`: `organization_tag.py`);
* a state becomes the stream's state for every organization (`organization_states.py`);
* a stream is STARTED and RUNNING once, and COMPLETE once every organization completed it
  (INCOMPLETE if one did not);
* log lines and errors name their organization.

An organization that refuses the sign-in (no API access, archived) or whose read fails does not stop
the others; the sync then ends with one error naming every organization not (fully) read, so nothing
is silently missing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStreamStatus,
    FailureType,
    StreamDescriptor,
    TraceType,
    Type,
)
from airbyte_cdk.utils.stream_status_utils import as_airbyte_message as stream_status_message
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .organization_states import OrganizationStates

#: Organizations read at once. Each read has its own 3 slots and up to 8 threads; beyond about
#: this many the connector's CPU, not BILL, is the limit (docs/performance.md).
ORGANIZATIONS_AT_ONCE = 20
#: Messages read and not yet written, at most (as `source.RECORDS_IN_FLIGHT` for one read).
MESSAGES_IN_FLIGHT = 2_000
_PUT_TIMEOUT_SECONDS = 0.5
_TERMINAL = (AirbyteStreamStatus.COMPLETE, AirbyteStreamStatus.INCOMPLETE)


@dataclass
class Finished:
    organization_id: str
    error: BaseException | None = None


@dataclass
class _StreamProgress:
    shown: set[AirbyteStreamStatus] = field(default_factory=set)
    ended: dict[str, AirbyteStreamStatus] = field(default_factory=dict)
    closed: bool = False


def _failure_type(errors: Sequence[BaseException]) -> FailureType:
    types = [getattr(error, "failure_type", None) or FailureType.system_error for error in errors]
    if all(kind == FailureType.config_error for kind in types):
        return FailureType.config_error
    if FailureType.transient_error in types:
        return FailureType.transient_error
    return FailureType.system_error


def _reason(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(str(message).split())[:500]


#: What a producer hands the merger: one organization's message, or the end of its read.
Item = tuple[str, AirbyteMessage] | Finished


class ThreadedReads:
    """Run `read_one(organization_id)` for each organization in this process, `at_once` at a time,
    and hand over what each writes, in order, then its end (`Finished`, with the error it raised)."""

    def __init__(
        self,
        organizations: Sequence[str],
        read_one: Callable[[str], Iterator[AirbyteMessage]],
        at_once: int = ORGANIZATIONS_AT_ONCE,
    ) -> None:
        self._organizations = list(organizations)
        self._read_one = read_one
        self._at_once = max(1, min(at_once, len(self._organizations) or 1))
        self._queue: queue.Queue[Item] = queue.Queue(MESSAGES_IN_FLIGHT)
        self._stop = threading.Event()

    def _put(self, item: Item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_PUT_TIMEOUT_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, waiting: queue.SimpleQueue[str], put: Callable[[Item], bool]) -> None:
        while not self._stop.is_set():
            try:
                organization_id = waiting.get_nowait()
            except queue.Empty:
                return
            error: BaseException | None = None
            messages = self._read_one(organization_id)
            try:
                for message in messages:
                    if not put((organization_id, message)):
                        break
            except Exception as raised:  # the read's own end: it failed for this organization
                error = raised
            finally:
                close = getattr(messages, "close", None)
                if close is not None:
                    close()
            put(Finished(organization_id, error))

    def _start(self, hand_over: Callable[[Item], bool]) -> list[threading.Thread]:
        """Start the reading threads, each taking the next organization waiting until none is left."""
        waiting: queue.SimpleQueue[str] = queue.SimpleQueue()
        for organization_id in self._organizations:
            waiting.put(organization_id)
        workers = [
            threading.Thread(
                target=self._work, args=(waiting, hand_over), name=f"organizations-{index}", daemon=True
            )
            for index in range(self._at_once)
        ]
        for worker in workers:
            worker.start()
        return workers

    def run(self, hand_over: Callable[[Item], bool]) -> None:
        """Read every organization, each reading thread handing its items to `hand_over` itself (which
        must be thread-safe and return True to go on); returns once all have ended."""
        for worker in self._start(hand_over):
            worker.join()

    def items(self) -> Iterator[Item]:
        """Every organization's messages and its end, until all have ended."""
        self._start(self._put)
        finished = 0
        try:
            while finished < len(self._organizations):
                item = self._queue.get()
                if isinstance(item, Finished):
                    finished += 1
                yield item
        finally:
            self._stop.set()


class Producer(Protocol):
    """Where the merged messages come from: this process's threads or child processes."""

    def items(self) -> Iterator[Item]: ...


class OrganizationReads:
    """Merge the messages of the organizations' reads into one sync's (by default, read by
    `ThreadedReads` with `read_one`)."""

    def __init__(
        self,
        organizations: Sequence[str],
        streams: Sequence[str],
        read_one: Callable[[str], Iterator[AirbyteMessage]] | None,
        states: OrganizationStates,
        logger: logging.Logger,
        at_once: int = ORGANIZATIONS_AT_ONCE,
        producer: Producer | None = None,
    ) -> None:
        if producer is None:
            if read_one is None:
                raise ValueError("OrganizationReads needs read_one or a producer")
            producer = ThreadedReads(organizations, read_one, at_once)
        self._organizations = list(organizations)
        self._producer = producer
        self._states = states
        self._logger = logger
        self._progress = {name: _StreamProgress() for name in streams}

    def messages(self) -> Iterator[AirbyteMessage]:
        failures: dict[str, BaseException] = {}
        for item in self._producer.items():
            if isinstance(item, Finished):
                if item.error is not None:
                    failures[item.organization_id] = item.error
                yield from self._end_streams_of(item.organization_id, failed=item.error is not None)
                continue
            yield from self._merged(*item)
        if failures:
            raise self._failure(failures)

    def _merged(self, organization_id: str, message: AirbyteMessage) -> Iterator[AirbyteMessage]:
        if message.type == Type.RECORD:
            yield message
        elif message.type == Type.STATE and message.state is not None and message.state.stream is not None:
            yield AirbyteMessage(type=Type.STATE, state=self._states.update(organization_id, message.state))
        elif message.type == Type.TRACE and message.trace is not None:
            trace = message.trace
            if trace.type == TraceType.STREAM_STATUS and trace.stream_status is not None:
                name = trace.stream_status.stream_descriptor.name
                yield from self._status(name, organization_id, trace.stream_status.status)
            else:
                if trace.error is not None:
                    trace.error.message = f"Organization {organization_id}: {trace.error.message}"
                yield message
        elif message.type == Type.LOG and message.log is not None:
            message.log.message = f"[organization {organization_id}] {message.log.message}"
            yield message
        else:
            yield message

    def _status(
        self, stream: str, organization_id: str, status: AirbyteStreamStatus
    ) -> Iterator[AirbyteMessage]:
        progress = self._progress.setdefault(stream, _StreamProgress())
        if progress.closed:
            return
        if status in _TERMINAL:
            progress.ended[organization_id] = status
            yield from self._close_if_done(stream, progress)
        elif status not in progress.shown:
            yield from self._show(stream, progress, status)

    def _show(
        self, stream: str, progress: _StreamProgress, status: AirbyteStreamStatus
    ) -> Iterator[AirbyteMessage]:
        if status != AirbyteStreamStatus.STARTED and AirbyteStreamStatus.STARTED not in progress.shown:
            yield from self._show(stream, progress, AirbyteStreamStatus.STARTED)
        progress.shown.add(status)
        yield stream_status_message(_descriptor(stream), status)

    def _close_if_done(self, stream: str, progress: _StreamProgress) -> Iterator[AirbyteMessage]:
        if len(progress.ended) < len(self._organizations):
            return
        progress.closed = True
        complete = all(status == AirbyteStreamStatus.COMPLETE for status in progress.ended.values())
        final = AirbyteStreamStatus.COMPLETE if complete else AirbyteStreamStatus.INCOMPLETE
        if AirbyteStreamStatus.STARTED not in progress.shown:
            yield from self._show(stream, progress, AirbyteStreamStatus.STARTED)
        yield stream_status_message(_descriptor(stream), final)

    def _end_streams_of(self, organization_id: str, *, failed: bool) -> Iterator[AirbyteMessage]:
        """After an organization's read: the streams it did not end are incomplete for it."""
        for stream, progress in self._progress.items():
            if progress.closed or organization_id in progress.ended:
                continue
            progress.ended[organization_id] = (
                AirbyteStreamStatus.INCOMPLETE if failed else AirbyteStreamStatus.COMPLETE
            )
            yield from self._close_if_done(stream, progress)

    def _failure(self, failures: dict[str, BaseException]) -> AirbyteTracedException:
        read = len(self._organizations) - len(failures)
        named = "; ".join(f"{organization} ({_reason(error)})" for organization, error in failures.items())
        message = (
            f"{len(failures)} of {len(self._organizations)} BILL organizations were not read, or not fully: "
            f"{named}. The other {read} were read."
        )
        return AirbyteTracedException(
            message=message, internal_message=message, failure_type=_failure_type(list(failures.values()))
        )


def _descriptor(stream: str) -> StreamDescriptor:
    return StreamDescriptor(name=stream)
