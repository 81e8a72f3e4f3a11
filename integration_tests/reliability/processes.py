"""`source-bill` as the subprocess Airbyte runs: read its messages as they come, kill it (SIGKILL) at
a chosen message, resume it from the newest state messages it emitted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalog, ConfiguredAirbyteCatalogSerializer

from integration_tests.reliability.harness import Key

BIN = Path(sys.executable).parent
SOURCE_BILL = str(BIN / "source-bill")

Message = dict[str, Any]
KillWhen = Callable[[Message, "Progress"], bool]


@dataclass
class Progress:
    """What the reader has seen so far, for kill predicates."""

    records: int = 0
    states: int = 0
    records_per_stream: dict[str, int] = field(default_factory=dict)
    complete_streams: list[str] = field(default_factory=list)


@dataclass
class ProcessRun:
    messages: list[Message]
    returncode: int
    killed: bool
    stderr: str
    seconds: float

    @property
    def records(self) -> list[Key]:
        keys = []
        for message in self.messages:
            if message.get("type") == "RECORD":
                data = message["record"]["data"]
                updated = data.get("updatedTime")
                keys.append(
                    (message["record"]["stream"], str(data["id"]), None if updated is None else str(updated))
                )
        return keys

    @property
    def states(self) -> list[Message]:
        return [message["state"] for message in self.messages if message.get("type") == "STATE"]

    @property
    def errors(self) -> list[Message]:
        return [
            message["trace"]["error"]
            for message in self.messages
            if message.get("type") == "TRACE" and message["trace"].get("type") == "ERROR"
        ]

    def text(self) -> str:
        return "\n".join(json.dumps(message) for message in self.messages) + "\n" + self.stderr


def write_json(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(value))
    return path


def catalog_json(catalog: ConfiguredAirbyteCatalog) -> Mapping[str, Any]:
    return ConfiguredAirbyteCatalogSerializer.dump(catalog)


def latest_states(runs: Sequence[ProcessRun]) -> list[Message]:
    """The newest state of every stream over `runs` (what Airbyte passes to the next attempt)."""
    newest: dict[str, Message] = {}
    for run in runs:
        for state in run.states:
            newest[state["stream"]["stream_descriptor"]["name"]] = state
    return list(newest.values())


def run_source(
    command: str,
    config: Mapping[str, Any],
    *,
    catalog: ConfiguredAirbyteCatalog | None = None,
    state: Sequence[Message] | None = None,
    raw_state: Any = None,
    kill_when: KillWhen | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> ProcessRun:
    """Run `source-bill <command>`; with `kill_when`, SIGKILL it right after the first message for
    which the predicate holds, then keep reading what it had already written (as Airbyte would).
    `state` is a list of state messages; `raw_state` any JSON written as the state file."""
    with tempfile.TemporaryDirectory(prefix="source-bill-") as tmp:
        folder = Path(tmp)
        args = [SOURCE_BILL, command, "--config", str(write_json(folder, "config.json", config))]
        if catalog is not None:
            args += ["--catalog", str(write_json(folder, "catalog.json", catalog_json(catalog)))]
        if state is not None:
            args += ["--state", str(write_json(folder, "state.json", list(state)))]
        elif raw_state is not None:  # any JSON, to test state files in the wrong shape
            args += ["--state", str(write_json(folder, "state.json", raw_state))]
        stderr_path = folder / "stderr.txt"
        started = time.monotonic()
        with open(stderr_path, "w") as stderr:
            process = subprocess.Popen(
                args,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, **(env or {})},
            )
            messages: list[Message] = []
            progress = Progress()
            killed = False
            assert process.stdout is not None
            try:
                for line in process.stdout:
                    if time.monotonic() - started > timeout:
                        process.kill()
                        raise TimeoutError(f"source-bill {command} ran longer than {timeout} s")
                    if not line.startswith("{"):
                        continue
                    try:
                        message = json.loads(line)
                    except json.JSONDecodeError:
                        if killed:  # the last line, cut off by the kill: Airbyte drops it too
                            continue
                        raise
                    messages.append(message)
                    _advance(progress, message)
                    if kill_when is not None and not killed and kill_when(message, progress):
                        os.kill(process.pid, signal.SIGKILL)
                        killed = True
                returncode = process.wait(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return ProcessRun(messages, returncode, killed, stderr_path.read_text(), time.monotonic() - started)


def _advance(progress: Progress, message: Message) -> None:
    kind = message.get("type")
    if kind == "RECORD":
        progress.records += 1
        stream = message["record"]["stream"]
        progress.records_per_stream[stream] = progress.records_per_stream.get(stream, 0) + 1
    elif kind == "STATE":
        progress.states += 1
    elif kind == "TRACE" and message["trace"].get("type") == "STREAM_STATUS":
        status = message["trace"]["stream_status"]
        if status["status"] == "COMPLETE":
            progress.complete_streams.append(status["stream_descriptor"]["name"])
