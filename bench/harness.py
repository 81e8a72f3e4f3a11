"""Run the emulator with a request recorder and the connector as a subprocess; collect figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bill_emulator import Emulator, EmulatorServer, EmulatorSettings
from scripts.connector_cli import CONNECTOR
from scripts.connector_cli import configured_catalog as connector_catalog

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Call:
    """One BILL request as the emulator saw it: monotonic start and end, method and path."""

    start: float
    end: float
    method: str
    path: str
    query: str = ""
    #: The `sessionId` header ("" for sign-ins): one session per organization read.
    session: str = ""


class Recorder:
    """ASGI middleware around the emulator app: every `/connect` call with its timing.

    Unlike the emulator's own in-flight counter it also counts logins, so it checks that the
    3-in-flight limit holds for every request the connector makes.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.calls: list[Call] = []
            self.in_flight = 0
            self.peak_in_flight = 0
            self._client: CpuClock | None = None

    def watch(self, pid: int) -> CpuClock:
        """Time the CPU of the client process `pid`; its start-up ends at its first list request."""
        clock = CpuClock(pid)
        with self._lock:
            self._client = clock
        return clock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/connect/"):
            await self.app(scope, receive, send)
            return
        start = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            client = self._client
        if client is not None and client.startup is None and not scope["path"].endswith("/login"):
            client.startup = client.now()
        try:
            await self.app(scope, receive, send)
        finally:
            end = time.monotonic()
            with self._lock:
                self.in_flight -= 1
                query = scope.get("query_string", b"").decode("latin-1")
                session = dict(scope.get("headers") or []).get(b"sessionid", b"").decode("latin-1")
                self.calls.append(Call(start, end, scope["method"], scope["path"], query, session))

    def snapshot(self) -> list[Call]:
        with self._lock:
            return sorted(self.calls, key=lambda call: call.start)


class CpuClock:
    """The CPU seconds (user + system, every thread) a running process has spent, from /proc."""

    TICK = 1 / os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int) -> None:
        self._path = Path(f"/proc/{pid}/stat")
        #: CPU seconds spent before the first list request (set by the recorder).
        self.startup: float | None = None

    def now(self) -> float | None:
        try:
            fields = self._path.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) * self.TICK  # utime, stime


@dataclass
class Bench:
    """A running emulator with its recorder."""

    server: EmulatorServer
    recorder: Recorder

    @property
    def settings(self) -> EmulatorSettings:
        return self.server.emulator.settings

    def config(self, auth_type: str) -> dict[str, Any]:
        return self.server.config(auth_type)

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        self.settings.latency_ms = latency_ms
        self.settings.jitter_ms = jitter_ms

    def reset(self) -> None:
        """Zero the emulator's counters and limit windows, and the recorder."""
        requests.post(self.server.base_url.replace("/connect", "/_emulator/counters/reset"), timeout=30)
        self.recorder.reset()

    def counters(self) -> dict[str, Any]:
        return self.server.counters()


@contextmanager
def emulator(settings: EmulatorSettings) -> Iterator[Bench]:
    emu = Emulator(settings)
    recorder = Recorder(emu.app)
    emu.app = recorder
    server = EmulatorServer(emu).start()
    try:
        yield Bench(server, recorder)
    finally:
        server.stop()


@dataclass
class Run:
    """What one subprocess run printed and cost."""

    command: list[str]
    started: float
    seconds: float
    exit_code: int
    max_rss_kb: int
    records: Counter[str] = field(default_factory=Counter)
    state: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stderr: str = ""
    #: CPU seconds of the process (user + system, every thread), from its resource usage at exit.
    cpu_seconds: float = 0.0
    #: CPU seconds spent before its first list request, when a recorder watched it.
    startup_cpu_seconds: float | None = None

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def max_rss_mb(self) -> float:
        return self.max_rss_kb / 1024


_RECORD = b'{"type":"RECORD"'
_STREAM = b'"stream":"'


def _stream_of(line: bytes) -> str:
    start = line.index(_STREAM) + len(_STREAM)
    return line[start : line.index(b'"', start)].decode()


def _read_messages(stream: Any, records: Counter[str], state: dict[str, Any], errors: list[str]) -> None:
    for line in stream:
        if line.startswith(_RECORD):
            records[_stream_of(line)] += 1
            continue
        if not line.startswith(b'{"type":'):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            errors.append(f"unreadable output line: {line[:200]!r}")
            continue
        kind = message.get("type")
        if kind == "STATE":
            stream_state = message["state"].get("stream")
            if stream_state:
                name = stream_state["stream_descriptor"]["name"]
                state[name] = message["state"]
        elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
            errors.append(message["trace"]["error"]["message"])


def run_process(
    command: list[str], *, cwd: Path | None = None, watch: Callable[[int], CpuClock] | None = None
) -> Run:
    """Run `command`, read its Airbyte-style JSON lines as they come, and take its peak RSS and CPU.

    Records are counted per stream from the raw line (the benchmark must not spend the CPU the
    emulator and the connector share); other messages are decoded. With `watch` (a recorder's),
    the CPU spent before the first list request is taken too.
    """
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, bufsize=1 << 20)
        clock = watch(process.pid) if watch is not None else None
        records: Counter[str] = Counter()
        state: dict[str, Any] = {}
        errors: list[str] = []
        assert process.stdout is not None
        peak = PeakRss(process.pid)
        try:
            _read_messages(process.stdout, records, state, errors)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            peak.stop()
        # Reaped here rather than by `wait`, for the process's resource usage (its CPU, all threads).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        stderr.seek(0)
        tail = stderr.read()[-4000:].decode(errors="replace")
    return Run(
        command,
        started,
        seconds,
        process.returncode,
        peak.kb,
        records,
        state,
        errors,
        tail,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        startup_cpu_seconds=clock.startup if clock is not None else None,
    )


class PeakRss:
    """The peak resident set of a running process, from Linux's /proc/PID/status `VmHWM`.

    `getrusage` and `wait4` report a child's `ru_maxrss` including the parent's memory at the
    fork (Linux carries the old address space's peak across exec), and this benchmark's process
    holds the emulator's database. `VmHWM` belongs to the address space the connector got at
    exec; it only grows, so polling it until the process ends loses nothing but the last few ms.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.kb = 0
        self._path = Path(f"/proc/{pid}/status")
        self._done = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._poll, name="peak-rss", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        try:
            text = self._path.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                self.kb = max(self.kb, int(line.split()[1]))
                return

    def _poll(self) -> None:
        while not self._done.wait(self._interval):
            self._sample()

    def stop(self) -> None:
        self._sample()
        self._done.set()
        self._thread.join()


def configured_catalog(config: dict[str, Any], streams: list[str] | None = None) -> dict[str, Any]:
    """Discover with the connector; every stream (or `streams`) incremental where it can be."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(json.dumps(config))
        output = subprocess.run(
            [CONNECTOR, "discover", "--config", str(path)], capture_output=True, text=True, check=True
        ).stdout
    catalog = next(
        json.loads(line)["catalog"] for line in output.splitlines() if line.startswith('{"type":"CATALOG"')
    )
    return connector_catalog(catalog, streams)


def read_connector(
    config: dict[str, Any],
    catalog: dict[str, Any],
    state: list[dict[str, Any]] | None = None,
    *,
    profile_to: Path | None = None,
    threads_profile_to: Path | None = None,
    watch: Callable[[int], CpuClock] | None = None,
) -> Run:
    """`source-bill read` as Airbyte runs it; with `profile_to`, under pyinstrument (a text report);
    with `threads_profile_to`, under `bench/thread_profile.py` (every thread's CPU, cProfile).

    pyinstrument samples the main thread: the one that writes every message, which is the
    connector's bottleneck when BILL answers at once (the reading threads wait on its queue).
    """
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, content in (("config", config), ("catalog", catalog), ("state", state)):
            if content is not None:
                paths[name] = Path(folder) / f"{name}.json"
                paths[name].write_text(json.dumps(content))
        command = [CONNECTOR, "read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])]
        if "state" in paths:
            command += ["--state", str(paths["state"])]
        if profile_to is not None:
            profile_to.parent.mkdir(parents=True, exist_ok=True)
            command = [
                *(sys.executable, "-m", "pyinstrument", "--renderer", "text", "--outfile"),
                *(str(profile_to), "--show-all", *command),
            ]
        if threads_profile_to is not None:
            threads_profile_to.parent.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "bench.thread_profile", str(threads_profile_to), *command[1:]]
            return run_process(command, watch=watch, cwd=REPO)
        return run_process(command, watch=watch)


def read_plain(
    config: dict[str, Any], catalog: dict[str, Any], *, watch: Callable[[int], CpuClock] | None = None
) -> Run:
    """The plain reader (bench/plain_reader.py) over the streams of `catalog`."""
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.json"
        config_path.write_text(json.dumps(config))
        streams = ",".join(entry["stream"]["name"] for entry in catalog["streams"])
        command = [sys.executable, "-m", "bench.plain_reader", str(config_path), streams]
        return run_process(command, cwd=REPO, watch=watch)


# -- figures from the recorder -------------------------------------------------------------------


def max_in_window(times: list[float], window: float) -> int:
    """The most events inside any interval of `window` seconds."""
    best, recent = 0, deque[float]()
    for moment in sorted(times):
        recent.append(moment)
        while recent[0] <= moment - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


def peak_in_flight_per_session(calls: list[Call]) -> int:
    """The most requests one session (one organization's read) had in flight at once; sign-ins,
    which carry no session, are left out."""
    by_session: dict[str, list[Call]] = {}
    for call in calls:
        if call.session:
            by_session.setdefault(call.session, []).append(call)
    return max((max(busy_profile(group)) for group in by_session.values()), default=0)


def busy_profile(calls: list[Call]) -> dict[int, float]:
    """Seconds spent with 0, 1, 2, 3 ... requests in flight, between the first start and last end."""
    events = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls])
    spent: Counter[int] = Counter()
    level, last = 0, events[0][0] if events else 0.0
    for moment, step in events:
        spent[level] += moment - last
        level += step
        last = moment
    return dict(sorted(spent.items()))
