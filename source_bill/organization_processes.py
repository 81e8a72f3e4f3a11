"""Organizations read in child processes, so that a sync of many uses every core.

One process holds one interpreter lock: twenty organizations read side by side in one process keep
one core busy and leave BILL's slots idle (`make bench` scenario 8 spent 5 to 6.5 times its bound that
way). A sync of several organizations therefore splits them into groups, each read by a child
`source-bill` (`python -m source_bill.run read`) in *worker* mode, and merges what the children write
in this process (`organization_reads.OrganizationReads`, as for threads). On Linux a child is a fork
of this process (`forked_children.py`), which has imported and parsed everything already.

The children share the developer key's limits: each gets its share of `hourly_request_budget` and
of BILL's logins per hour; each organization keeps its own session and 3 slots, in one child.

A worker writes one line per message, for the parent only:

* a record as the CDK writes it (it needs no organization: records pass through the merge);
* anything else as `{"organization": id, "message": <the message>}`;
* the end of an organization's read as `{"organization": id, "finished": true, "error": ...}`, the
  error being `{"message", "internal_message", "failure_type"}` or null;
* lines the CDK's logger writes itself (a plain message, no organization) pass through as they are.

A child that ends without finishing an organization (killed, out of memory) makes that organization
fail with what the child last wrote to stderr, so nothing is silently missing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteRecordMessage,
    FailureType,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .batched_lines import BatchedLines
from .config import prepare_config
from .forked_children import ForkedChild, fork_child, fork_refusal
from .organization_reads import Finished, Item, ThreadedReads
from .organizations import ALL_ORGANIZATIONS, ORGANIZATION_IDS

#: Config key a parent adds to a child's config: `{"processes": n}` (the shares of the limits).
WORKER_KEY = "_organization_worker"
#: Child processes at most. Each reads its organizations with its own threads; more only add
#: start-ups (1.5 s of CPU each) and memory (about 100 MB each).
MAX_PROCESSES = 8
#: How the CDK writes a record message (orjson, keys in the protocol's order): its stream comes first.
_RECORD_PREFIX = b'{"type":"RECORD","record":{"stream":"'
#: The CDK's writer, kept before `cdk_internals.write_messages_with` puts `message_line` in its place.
_cdk_line = AirbyteEntrypoint.airbyte_message_to_string
#: The module a child runs as `__main__`: forked from this process, or `python -m` in a new one.
CHILD_MODULE = "source_bill.run"
#: A child as `ChildReads` sees it.
Child = subprocess.Popen[bytes] | ForkedChild
_STDERR_LINES = 20
#: Chunks of a child's output read and not yet merged, at most (a chunk: up to 64 KiB of lines).
_CHUNKS_IN_FLIGHT = 32
_CHUNK_BYTES = 1 << 16


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def process_count(organizations: int, cores: int | None = None) -> int:
    """How many children read `organizations` organizations: one per core and at least two (one
    process per core already spreads the interpreter locks; on 2 cores, 2, 3 and 4 children took the
    same wall time in `make bench` scenario 8 and 2 the least CPU), at most one per organization and
    `MAX_PROCESSES`; 1 means read them in this process."""
    cores = usable_cores() if cores is None else cores
    return max(1, min(organizations, max(2, cores), MAX_PROCESSES))


def groups_of(organizations: Sequence[str], processes: int) -> list[list[str]]:
    """The organizations dealt round-robin into `processes` groups (none empty)."""
    groups = [list(organizations[index::processes]) for index in range(processes)]
    return [group for group in groups if group]


def worker_config(config: Mapping[str, Any], group: Sequence[str], processes: int) -> dict[str, Any]:
    """A child's config: the group's organizations, and its share of the hourly request budget."""
    credentials = {
        key: value
        for key, value in config["credentials"].items()
        if key not in (ORGANIZATION_IDS, ALL_ORGANIZATIONS)
    }
    child = {
        **config,
        "credentials": {**credentials, ORGANIZATION_IDS: list(group)},
        WORKER_KEY: {"processes": processes},
    }
    budget = prepare_config(config).get("hourly_request_budget")  # the spec's default when not given
    if isinstance(budget, int) and not isinstance(budget, bool) and budget > 0:
        child["hourly_request_budget"] = max(1, budget // processes)
    return child


def worker_processes(config: Mapping[str, Any]) -> int | None:
    """In a child: how many children share the limits (None when this is no child)."""
    worker = config.get(WORKER_KEY)
    if not isinstance(worker, Mapping):
        return None
    with contextlib.suppress(TypeError, ValueError):
        return max(1, int(worker.get("processes")))
    return 1


# -- the child's side ------------------------------------------------------------------------------


def _error_of(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    failure = getattr(error, "failure_type", None)
    return {
        "message": getattr(error, "message", None) or str(error) or type(error).__name__,
        "internal_message": getattr(error, "internal_message", None),
        "failure_type": failure.value if isinstance(failure, FailureType) else FailureType.system_error.value,
    }


def worker_line(item: Item) -> str:
    """The line a worker writes for one item of its reads."""
    if isinstance(item, Finished):
        return orjson.dumps(
            {"organization": item.organization_id, "finished": True, "error": _error_of(item.error)}
        ).decode()
    organization_id, message = item
    if message.type == Type.RECORD:
        return _cdk_line(message)
    body = AirbyteMessageSerializer.dump(message)
    return orjson.dumps({"organization": organization_id, "message": body}).decode()


def work(reads: ThreadedReads) -> None:
    """Write every item of `reads` to stdout, one line each (a worker's whole output). Each
    organization's thread writes its own lines, a batch at a time (`batched_lines`): a record crosses
    no further thread on its way out, and the threads do not queue for the output once per line."""
    watch_parent()
    with PRINT_BUFFER, BatchedLines(PRINT_BUFFER.write, PRINT_BUFFER.flush) as lines:

        def write(item: Item) -> bool:
            lines.add(worker_line(item) + "\n", last=isinstance(item, Finished))
            return True

        reads.run(write)


def watch_parent(
    every_seconds: float = 1.0,
    parent_of: Callable[[], int] = os.getppid,
    leave: Callable[[int], None] | None = None,
) -> threading.Thread:
    """End this child as soon as its parent is gone (killed without a chance to end its children):
    an orphan would go on spending the developer key's requests for nobody."""
    parent = parent_of()
    end = leave or _terminate

    def watch() -> None:
        while True:
            time.sleep(every_seconds)
            if parent_of() != parent:
                end(1)
                return

    watcher = threading.Thread(target=watch, name="parent-watch", daemon=True)
    watcher.start()
    return watcher


# -- the parent's side -----------------------------------------------------------------------------


class ChildFailed(Exception):
    """A child process ended without finishing an organization."""

    failure_type = FailureType.system_error


def _traced(error: Mapping[str, Any]) -> AirbyteTracedException:
    try:
        failure = FailureType(error.get("failure_type") or FailureType.system_error.value)
    except ValueError:
        failure = FailureType.system_error
    return AirbyteTracedException(
        message=error.get("message"), internal_message=error.get("internal_message"), failure_type=failure
    )


def record_as_written(line: bytes) -> AirbyteMessage | None:
    """A child's record line as a record message that also keeps the line, to be written as it is
    (`message_line`); None when the line is no plain record the CDK wrote."""
    if not line.startswith(_RECORD_PREFIX):
        return None
    try:
        record = orjson.loads(line)["record"]
        message = AirbyteMessage(
            type=Type.RECORD,
            record=AirbyteRecordMessage(
                stream=record["stream"], data=record["data"], emitted_at=record["emitted_at"]
            ),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if len(record) == 3:  # stream, data and emitted_at: nothing the message above left out
        message.bill_line = line.rstrip(b"\r\n").decode()  # type: ignore[attr-defined]
    return message


def message_line(message: AirbyteMessage) -> str:
    """The line of a message: a child's record as the child wrote it, anything else as the CDK does."""
    line = getattr(message, "bill_line", None)
    return line if line is not None else _cdk_line(message)


def parse_line(line: bytes, label: str) -> Item | None:
    """One line of a worker as an item; `label` names the group for lines without an organization.
    None for a blank or unreadable line."""
    if not line.strip():
        return None
    if line.startswith(_RECORD_PREFIX):
        record = record_as_written(line)
        return (label, record) if record is not None else None
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    organization_id = data.get("organization")
    if organization_id is None:  # written by the CDK's logger in the child
        try:
            return label, AirbyteMessageSerializer.load(data)
        except Exception:
            return None
    if data.get("finished"):
        error = data.get("error")
        return Finished(str(organization_id), _traced(error) if isinstance(error, Mapping) else None)
    return str(organization_id), AirbyteMessageSerializer.load(data["message"])


@dataclass
class _Ended:
    """A child's end: its exit code and the last lines it wrote to stderr."""

    code: int
    stderr: deque[str]


class ChildReads:
    """Read `groups` of organizations in child processes and hand over their items (a `Producer`).

    A thread per child only moves its output, a chunk of lines at a time, into one queue (waiting
    on the pipe, not on the interpreter lock); the lines are parsed where they are merged, so a
    record crosses no thread on its way through this process.
    """

    def __init__(
        self,
        groups: Sequence[Sequence[str]],
        config: Mapping[str, Any],
        catalog: Mapping[str, Any],
        state: list[Mapping[str, Any]] | None,
        logger: logging.Logger,
        command: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self._groups = [list(group) for group in groups]
        self._config = config
        self._catalog = catalog
        self._state = state
        self._logger = logger
        self._command = command  # None: fork when this process can, else `python -m source_bill.run`
        self._queue: queue.Queue[tuple[int, list[bytes] | _Ended]] = queue.Queue(_CHUNKS_IN_FLIGHT)
        self._children: list[Child] = []
        self._stop = threading.Event()

    def _put(self, item: tuple[int, list[bytes] | _Ended]) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(item, timeout=0.5)
                return

    def _start(self, folder: Path) -> None:
        catalog = folder / "catalog.json"
        catalog.write_text(json.dumps(self._catalog))
        state = None
        if self._state is not None:
            state = folder / "state.json"
            state.write_text(json.dumps(self._state))
        starts = [
            self._arguments(folder, index, group, catalog, state) for index, group in enumerate(self._groups)
        ]
        refusal = fork_refusal() if self._command is None else "a command was given"
        for arguments in starts:  # every fork before this process starts a thread of its own
            self._children.append(self._start_one(arguments, refusal))
        self._logger.info(
            f"Started {len(self._children)} child processes "
            + ("forked from this one" if refusal is None else f"as new interpreters ({refusal})")
        )
        for index, child in enumerate(self._children):
            threading.Thread(
                target=self._follow, args=(child, index), name=f"organization-process-{index}", daemon=True
            ).start()

    def _arguments(
        self, folder: Path, index: int, group: Sequence[str], catalog: Path, state: Path | None
    ) -> list[str]:
        config = folder / f"config-{index}.json"
        config.write_text(json.dumps(worker_config(self._config, group, len(self._groups))))
        arguments = ["read", "--config", str(config), "--catalog", str(catalog)]
        return [*arguments, "--state", str(state)] if state is not None else arguments

    def _start_one(self, arguments: list[str], refusal: str | None) -> Child:
        if refusal is None:
            return fork_child(CHILD_MODULE, arguments)
        return subprocess.Popen(
            (self._command or _source_bill)(arguments),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )

    def _follow(self, child: Child, index: int) -> None:
        """Hand over the child's output, all it has written by each read, then its end."""
        stderr: deque[str] = deque(maxlen=_STDERR_LINES)
        drain = threading.Thread(target=_keep_tail, args=(child.stderr, stderr), daemon=True)
        drain.start()
        assert child.stdout is not None
        for lines in _chunks(child.stdout):
            self._put((index, lines))
        code = child.wait()
        drain.join(timeout=5)
        self._put((index, _Ended(code, stderr)))

    def items(self) -> Iterator[Item]:
        labels = [
            group[0] if len(group) == 1 else f"{group[0]} and {len(group) - 1} more" for group in self._groups
        ]
        unfinished = [set(group) for group in self._groups]
        with tempfile.TemporaryDirectory(prefix="source-bill-") as folder:  # the configs hold secrets
            os.chmod(folder, 0o700)
            ended = 0
            try:
                self._start(Path(folder))  # inside: children started before a failure are ended below
                while ended < len(self._children):
                    index, payload = self._queue.get()
                    if isinstance(payload, _Ended):
                        ended += 1
                        for organization_id in self._groups[index]:  # in the group's order
                            if organization_id in unfinished[index]:
                                yield Finished(organization_id, _child_failed(payload.code, payload.stderr))
                        continue
                    for line in payload:
                        item = parse_line(line, labels[index])
                        if item is None:
                            continue
                        if isinstance(item, Finished):
                            unfinished[index].discard(item.organization_id)
                        yield item
            finally:
                self._stop.set()
                for child in self._children:
                    if child.poll() is None:
                        child.kill()
                for child in self._children:
                    with contextlib.suppress(Exception):
                        child.wait(timeout=10)


def _chunks(stream: IO[bytes]) -> Iterator[list[bytes]]:
    """The complete lines of `stream`, in lists of what had arrived by each read."""
    read = getattr(stream, "read1", stream.read)
    rest = b""
    while True:
        chunk = read(_CHUNK_BYTES)
        if not chunk:
            break
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        if lines:
            yield lines
    if rest:
        yield [rest]


def _child_failed(code: int, stderr: deque[str]) -> ChildFailed:
    reason = next((text for text in reversed(stderr) if text.strip()), "no message")
    return ChildFailed(
        f"the process reading it ended with exit code {code} before it finished: {reason[:300]}"
    )


def _terminate(code: int) -> None:
    """End this process from any thread (the default action of SIGTERM: no cleanup to wait for)."""
    os.kill(os.getpid(), signal.SIGTERM)


def _keep_tail(stream: IO[bytes] | None, tail: deque[str]) -> None:
    if stream is None:
        return
    for line in stream:
        tail.append(line.decode("utf-8", "replace").rstrip())


def _source_bill(arguments: list[str]) -> list[str]:
    return [sys.executable, "-m", CHILD_MODULE, *arguments]
