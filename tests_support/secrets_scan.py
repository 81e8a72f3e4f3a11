"""pytest plugin: no secret value in anything a test printed, logged or got back from the connector.

Output collected for every test (setup, call and teardown; passed, failed or skipped):

* pytest's captured stdout, stderr and log sections, skip reasons and warnings (not failure
  reports: a failing test already fails the run, and its traceback may show the config it used);
* what `capsys`/`capfd.readouterr()` handed the test (output read there never reaches the report);
* the raw messages, logs and uncaught exception of every `EntrypointOutput` (in-process
  spec/check/discover/read);
* subprocess output: what `Popen.communicate` returns (so `subprocess.run`), what the test reads
  from a `PIPE`, and files given as `stdout=`/`stderr=`, read once the process is waited for.

Secret values, gathered where the tests hand credentials to the code, not from a list:

* every `airbyte_secret` field of `source_bill/spec.yaml` (and any URL password) of each config
  the connector gets: `SourceBill(config=...)`, the entrypoint's `--config` file, a subprocess's
  `--config` file;
* the secrets of each credentials object the connector builds (`Credentials.secrets`);
* each `sessionId` the connector obtains or the emulator issues;
* the emulator's seeded credentials (its spec-secret fields and tokens).

Values shorter than `MIN_LENGTH`, all-`*` masks and `<placeholder>` values are ignored.

Not seen: output under `capsys.disabled()`, pipe output the test never reads, log records below
their logger's level (never emitted), and session ids that live only inside a `source-bill` or
`bill-emulator` subprocess.

Each test is scanned when its teardown report arrives (so with every secret it used) and only hits
are kept. The test marked `secrets_scan` runs last, also when `-m` deselects it, and fails on any
hit, naming the test, the field and the line, with the secret masked.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import inspect
import json
import os
import re
import string
import threading
import time
import traceback
import typing
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

#: Tests marked with this run last and assert that no secret leaked.
MARKER = "secrets_scan"
#: Shorter values are test doubles likely to occur by chance ("s1", "shared"); real BILL secrets are
#: far longer (developer keys 20 characters, session ids 40).
MIN_LENGTH = 8
#: A test's collected output is scanned early once it grows past this many characters.
FLUSH_CHARS = 16_000_000
#: Files given as a subprocess's stdout/stderr are read up to this many bytes.
MAX_FILE_BYTES = 16_000_000
#: Up to this many secrets, each is looked for with `str.find` (C speed); beyond, by `_Matcher`'s
#: token index, whose cost does not grow with their number (a long run logs in thousands of times).
NAIVE_LIMIT = 100
#: Hits shown in the failure message (all are counted).
MAX_HITS_SHOWN = 40
#: A full run (the testpaths, no `-k`) must have seen at least this much to vouch for itself.
FULL_RUN_MIN_TESTS_WITH_OUTPUT = 20
FULL_RUN_MIN_SECRETS = 6
FULL_RUN_SECRET_KINDS = ("config", "credentials", "session")
FULL_RUN_OUTPUT_KINDS = ("captured", "connector")

OUTSIDE = "(outside any test)"
SCAN_KEY = pytest.StashKey["SecretsScan"]()
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
_SEPARATE = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in _TOKEN_CHARS})


def usable(value: object) -> bool:
    """Whether `value` is worth looking for: a one-line string of at least `MIN_LENGTH` characters
    that is neither a mask (`****`) nor a `<placeholder>`."""
    if not isinstance(value, str) or "\n" in value:
        return False
    text = value.strip()
    return len(text) >= MIN_LENGTH and set(text) != {"*"} and not _PLACEHOLDER.fullmatch(text)


def masked(value: str) -> str:
    """A form of `value` safe to print: at most its first two characters, and its length."""
    shown = value[:2] if len(value) >= 12 else ""
    return f"{shown}****** ({len(value)} chars)"


@functools.cache
def secret_paths() -> tuple[tuple[str, ...], ...]:
    """The config paths of every field the connector's spec marks `airbyte_secret`."""
    from source_bill.config import spec

    paths: set[tuple[str, ...]] = set()

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        if node.get("airbyte_secret") is True:
            paths.add(path)
        for name, child in (node.get("properties") or {}).items():
            walk(child, (*path, name))
        for key in ("oneOf", "anyOf", "allOf"):
            for child in node.get(key) or ():
                walk(child, path)

    walk(spec()["connectionSpecification"], ())
    return tuple(sorted(paths))


def _url_passwords(node: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, child in node.items():
            yield from _url_passwords(child, (*path, str(key)))
    elif isinstance(node, list):
        for child in node:
            yield from _url_passwords(child, path)
    elif isinstance(node, str) and "://" in node:
        try:
            password = urlsplit(node.strip()).password
        except ValueError:
            return
        if password:
            yield f"{'.'.join(path)} (URL password)", password


def config_secrets(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, value) of each spec-secret field and each URL password in `config`."""
    for path in secret_paths():
        node: Any = config
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str):
            yield ".".join(path), node
    yield from _url_passwords(config, ())


class _Matcher:
    """Which of many secrets occur in a text.

    A secret made of token characters (letters, digits, `_`, `-`: session ids, keys, tokens) lies
    within one token of the text (a maximal run of them), so it is found by looking up every
    `MIN_LENGTH`-character window of each distinct token among the secrets' first characters.
    Other secrets, and all of them when there are few, are looked for with `str.find`.
    """

    def __init__(self, secrets: tuple[str, ...]) -> None:
        simple = {s for s in secrets if set(s) <= _TOKEN_CHARS} if len(secrets) > NAIVE_LIMIT else set()
        self.plain = [s for s in secrets if s not in simple]
        self.heads: dict[str, list[str]] = {}
        for secret in simple:
            self.heads.setdefault(secret[:MIN_LENGTH], []).append(secret)

    def found(self, text: str) -> set[str]:
        found = {secret for secret in self.plain if secret in text}
        if self.heads:
            heads, k = self.heads, MIN_LENGTH
            for token in set(text.translate(_SEPARATE).split()):
                for at in range(len(token) - k + 1):
                    for secret in heads.get(token[at : at + k], ()):
                        if token.startswith(secret, at):
                            found.add(secret)
        return found


class Secrets:
    """The secret values seen in this session, each with the field(s) it came from."""

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}
        self.kinds: Counter[str] = Counter()  # new values, by the hook that saw them first
        self.seen: Counter[str] = Counter()  # values handed over (usable or not), by hook
        self._lock = threading.Lock()
        self._ordered: tuple[str, ...] | None = ()
        self._matcher: _Matcher | None = None

    def __len__(self) -> int:
        return len(self._fields)

    def add(self, value: object, field: str, kind: str) -> None:
        self.seen[kind] += 1
        if not usable(value):
            return
        assert isinstance(value, str)
        with self._lock:
            names = self._fields.get(value)
            if names is None:
                self._fields[value] = [field]
                self.kinds[kind] += 1
                self._ordered = self._matcher = None
            elif field not in names and len(names) < 3:
                names.append(field)

    def add_config(self, config: Mapping[str, Any]) -> None:
        for field, value in config_secrets(config):
            self.add(value, field, "config")

    def add_config_file(self, path: object) -> None:
        try:
            config = json.loads(Path(os.fspath(path)).read_text())  # type: ignore[arg-type]
        except (OSError, TypeError, ValueError):
            return
        if isinstance(config, Mapping):
            self.add_config(config)

    def values(self) -> tuple[str, ...]:
        """Longest first, so that masking never leaves part of a longer secret behind."""
        with self._lock:
            return self._values()

    def _values(self) -> tuple[str, ...]:
        if self._ordered is None:
            self._ordered = tuple(sorted(self._fields, key=lambda value: (-len(value), value)))
        return self._ordered

    def matcher(self) -> _Matcher:
        with self._lock:
            if self._matcher is None:
                self._matcher = _Matcher(self._values())
            return self._matcher

    def field(self, value: str) -> str:
        return " / ".join(self._fields.get(value, ["?"]))

    def mask(self, text: str) -> str:
        """`text` with every known secret replaced by «its field name»."""
        for value in self.values():
            if value in text:
                text = text.replace(value, f"«{self.field(value)}»")
        return text


@dataclass(frozen=True)
class Hit:
    """One secret found in one piece of one test's output (the first line it is on)."""

    test: str
    source: str
    field: str
    secret: str  # masked
    line: str  # masked
    count: int

    def __str__(self) -> str:
        times = f" ({self.count}x)" if self.count > 1 else ""
        return f"{self.test} | {self.source} | {self.field} = {self.secret}{times}: {self.line}"


class _TeeStream:
    """A subprocess pipe that also hands the scan whatever the test reads from it."""

    def __init__(self, stream: Any, scan: SecretsScan, label: str) -> None:
        self._stream = stream
        self._scan = scan
        self._label = label
        self.paused = False

    def __getattr__(self, name: str) -> Any:
        if name == "_stream":
            raise AttributeError(name)
        return getattr(self._stream, name)

    def __iter__(self) -> _TeeStream:
        return self

    def __next__(self) -> Any:
        return self._seen(next(self._stream))

    def __enter__(self) -> _TeeStream:
        self._stream.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._stream.__exit__(*exc)

    def read(self, *args: Any) -> Any:
        return self._seen(self._stream.read(*args))

    def read1(self, *args: Any) -> Any:
        return self._seen(self._stream.read1(*args))

    def readline(self, *args: Any) -> Any:
        return self._seen(self._stream.readline(*args))

    def readlines(self, *args: Any) -> Any:
        lines = self._stream.readlines(*args)
        if lines and not self.paused:
            self._scan.record("subprocess", self._label, type(lines[0])().join(lines))
        return lines

    def _seen(self, data: Any) -> Any:
        if data and not self.paused:
            self._scan.record("subprocess", self._label, data)
        return data


def _as_text(data: object) -> str:
    if isinstance(data, bytes | bytearray):
        return bytes(data).decode("utf-8", errors="replace")
    return data if isinstance(data, str) else str(data)


def _read_file(path: str | os.PathLike[str]) -> str:
    try:
        with open(path, "rb") as file:
            return _as_text(file.read(MAX_FILE_BYTES))
    except OSError:
        return ""


class SecretsScan:
    """The session's secrets and scan results; a pytest plugin object (its `pytest_*` methods)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.secrets = Secrets()
        self.hits: list[Hit] = []
        self.hit_count = 0
        self.current: str | None = None
        self.scan_nodeids: set[str] = set()
        self.tests_started = 0
        self.tests_scanned = 0
        self.tests_with_output = 0
        self.lines = 0
        self.chars = 0
        self.outputs: Counter[str] = Counter()
        self.scan_seconds = 0.0
        self.checked_hits: int | None = None  # hits known when the scan test ran
        self._pending: dict[str, list[tuple[str, str, str]]] = {}
        self._pending_chars: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._scan_lock = threading.Lock()
        self._undo: list[tuple[Any, str, Any]] = []

    # -- collecting ------------------------------------------------------------------------------
    def record(self, kind: str, label: str, data: object) -> None:
        """Keep output the current test saw, to scan when the test is over."""
        if not data:
            return
        text = _as_text(data)
        with self._lock:
            test = self.current or OUTSIDE
            self._pending.setdefault(test, []).append((kind, label, text))
            self._pending_chars[test] += len(text)
            parts = None
            if self._pending_chars[test] > FLUSH_CHARS:
                parts = self._pending.pop(test)
                del self._pending_chars[test]
        if parts:
            self._scan(test, parts)

    def _take(self, test: str) -> list[tuple[str, str, str]]:
        with self._lock:
            self._pending_chars.pop(test, None)
            return self._pending.pop(test, [])

    def _scan(self, test: str, parts: list[tuple[str, str, str]]) -> bool:
        """Look for every known secret in `parts`; keep the hits. Whether there was any output."""
        parts = [part for part in parts if part[2]]
        if not parts:
            return False
        started = time.perf_counter()
        with self._scan_lock:
            text = "\n".join(part[2] for part in parts)
            ends = list(accumulate(len(part[2]) + 1 for part in parts))
            self.lines += text.count("\n") + 1
            self.chars += len(text)
            self.outputs.update(part[0] for part in parts)
            for secret in sorted(self.secrets.matcher().found(text), key=text.find):
                at = text.find(secret)
                while at >= 0:
                    index = bisect.bisect_right(ends, at)
                    start = ends[index - 1] if index else 0
                    chunk = text[start : ends[index] - 1]
                    self._hit(test, parts[index][1], secret, chunk, at - start)
                    at = text.find(secret, ends[index])
            self.scan_seconds += time.perf_counter() - started
        return True

    def _hit(self, test: str, source: str, secret: str, chunk: str, at: int) -> None:
        self.hit_count += 1
        if len(self.hits) >= MAX_HITS_SHOWN * 5:
            return
        line_start = chunk.rfind("\n", 0, at) + 1
        line_end = chunk.find("\n", at)
        line = chunk[line_start : line_end if line_end >= 0 else len(chunk)]
        field = self.secrets.field(secret)
        shown = self.secrets.mask(line)
        marker = shown.find(f"«{field}»")
        if len(shown) > 300:  # the start of the line (what logged it), then the secret in context
            begin = max(100, marker - 80)
            shown = f"{shown[:100]}{'…' if begin > 100 else ''}{shown[begin : begin + 200]}…"
        count = chunk.count(secret)
        self.hits.append(Hit(test, source, field, masked(secret), shown.strip(), count))

    # -- the hooks into the code under test ------------------------------------------------------
    def _patch(self, owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name]  # KeyError: the hook point moved; update this plugin
        setattr(owner, name, wrap(original))
        self._undo.append((owner, name, original))

    def install(self) -> None:
        """Wrap the places where tests hand over credentials or get output."""
        import subprocess

        from airbyte_cdk.entrypoint import AirbyteEntrypoint
        from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

        from bill_emulator.backends import auth as emulator_auth
        from bill_emulator.emulator import Emulator
        from source_bill.client import auth
        from source_bill.client.sessions import SessionManager
        from source_bill.source import SourceBill

        scan, secrets = self, self.secrets

        def popen_init(original: Callable[..., None]) -> Callable[..., None]:
            @functools.wraps(original)
            def __init__(process: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
                original(process, args, *rest, **kwargs)
                scan._watch_process(process, args, kwargs)

            return __init__

        def communicate(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def wrapper(process: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
                tees = [s for s in (process.stdout, process.stderr) if isinstance(s, _TeeStream)]
                for tee in tees:
                    tee.paused = True  # its pipe is read by communicate itself
                try:
                    out, err = original(process, *args, **kwargs)
                finally:
                    for tee in tees:
                        tee.paused = False
                scan.record("subprocess", "subprocess stdout", out)
                scan.record("subprocess", "subprocess stderr", err)
                return out, err

            return wrapper

        def wait(original: Callable[..., int]) -> Callable[..., int]:
            @functools.wraps(original)
            def wrapper(process: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> int:
                code = original(process, *args, **kwargs)
                for name, path in process.__dict__.pop("_secrets_scan_files", ()):
                    scan.record("subprocess", f"subprocess {name} file", _read_file(path))
                return code

            return wrapper

        def readouterr(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def wrapper(fixture: Any, *args: Any, **kwargs: Any) -> Any:
                result = original(fixture, *args, **kwargs)
                scan.record("readouterr", "readouterr out", result.out)
                scan.record("readouterr", "readouterr err", result.err)
                return result

            return wrapper

        def entrypoint_output(original: Callable[..., None]) -> Callable[..., None]:
            signature = inspect.signature(original)

            @functools.wraps(original)
            def __init__(output: Any, *args: Any, **kwargs: Any) -> None:
                original(output, *args, **kwargs)
                given = signature.bind(output, *args, **kwargs).arguments
                messages = given.get("messages") or ()
                scan.record("connector", "connector messages", "\n".join(map(_as_text, messages)))
                error = given.get("uncaught_exception")
                if error is not None:
                    scan.record(
                        "connector", "connector exception", "".join(traceback.format_exception(error))
                    )
                scan.record("connector", "connector stderr", given.get("stderr"))
                if given.get("message_file"):
                    scan.record("connector", "connector message file", _read_file(given["message_file"]))

            return __init__

        def entrypoint_run(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def run(entrypoint: Any, parsed_args: Any) -> Any:
                if getattr(parsed_args, "config", None):
                    secrets.add_config_file(parsed_args.config)
                return original(entrypoint, parsed_args)

            return run

        def source_init(original: Callable[..., None]) -> Callable[..., None]:
            signature = inspect.signature(original)

            @functools.wraps(original)
            def __init__(source: Any, *args: Any, **kwargs: Any) -> None:
                config = signature.bind_partial(source, *args, **kwargs).arguments.get("config")
                if isinstance(config, Mapping):
                    secrets.add_config(config)
                original(source, *args, **kwargs)

            return __init__

        def credentials_init(original: Callable[..., None]) -> Callable[..., None]:
            @functools.wraps(original)
            def __init__(credentials: Any, *args: Any, **kwargs: Any) -> None:
                original(credentials, *args, **kwargs)
                for field in dataclasses.fields(credentials):
                    value = getattr(credentials, field.name)
                    if value in credentials.secrets:
                        secrets.add(value, f"credentials.{field.name}", "credentials")

            return __init__

        def returns_session(field: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
            def wrap(original: Callable[..., str]) -> Callable[..., str]:
                @functools.wraps(original)
                def wrapper(*args: Any, **kwargs: Any) -> str:
                    session_id = original(*args, **kwargs)
                    secrets.add(session_id, field, "session")
                    return session_id

                return wrapper

            return wrap

        def emulator_init(original: Callable[..., None]) -> Callable[..., None]:
            names = {path[-1] for path in secret_paths()}

            def walk(node: Any, path: tuple[str, ...]) -> None:
                if isinstance(node, Mapping):
                    for key, child in node.items():
                        walk(child, (*path, str(key)))
                elif path and (path[-1] in names or path[-1].endswith("token")):
                    secrets.add(node, f"emulator credentials {'.'.join(path)}", "emulator")

            @functools.wraps(original)
            def __init__(emulator: Any, *args: Any, **kwargs: Any) -> None:
                original(emulator, *args, **kwargs)
                walk(emulator.credentials, ())

            return __init__

        self._patch(subprocess.Popen, "__init__", popen_init)
        self._patch(subprocess.Popen, "communicate", communicate)
        self._patch(subprocess.Popen, "wait", wait)
        self._patch(pytest.CaptureFixture, "readouterr", readouterr)
        self._patch(EntrypointOutput, "__init__", entrypoint_output)
        self._patch(AirbyteEntrypoint, "run", entrypoint_run)
        self._patch(SourceBill, "__init__", source_init)
        for credentials_class in typing.get_args(auth.Credentials):
            self._patch(credentials_class, "__init__", credentials_init)
        self._patch(SessionManager, "session_id", returns_session("sessionId"))
        self._patch(emulator_auth, "_new_session", returns_session("sessionId (issued by the emulator)"))
        self._patch(Emulator, "__init__", emulator_init)

    def uninstall(self) -> None:
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    def _watch_process(self, process: Any, args: Any, kwargs: Mapping[str, Any]) -> None:
        if isinstance(args, list | tuple):
            items = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in args]
            for index, item in enumerate(items):
                if item == "--config" and index + 1 < len(items):
                    self.secrets.add_config_file(items[index + 1])
                elif isinstance(item, str) and item.startswith("--config="):
                    self.secrets.add_config_file(item.split("=", 1)[1])
        files = []
        for name in ("stdout", "stderr"):
            stream = getattr(process, name, None)
            if stream is not None:
                setattr(process, name, _TeeStream(stream, self, f"subprocess {name}"))
            path = getattr(kwargs.get(name), "name", None)
            if isinstance(path, str) and os.path.isfile(path):
                files.append((name, path))
        if files:
            process._secrets_scan_files = files

    # -- pytest hooks ----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Iterator[None]:
        marked = [item for item in items if item.get_closest_marker(MARKER)]
        result = yield
        self.scan_nodeids = {item.nodeid for item in marked}
        explicitly = tuple(config.getoption("deselect") or ())
        kept = [item for item in items if item.nodeid not in self.scan_nodeids]
        scans = [item for item in items if item.nodeid in self.scan_nodeids]
        if kept and not scans and not config.option.keyword:
            # Deselected by -m (e.g. `-m reliability`): the scan belongs to every marker selection.
            scans = [item for item in marked if not item.nodeid.startswith(explicitly or ("\0",))]
        items[:] = kept + scans
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
        if item.nodeid not in self.scan_nodeids:
            self.tests_started += 1
        self.current = item.nodeid
        try:
            return (yield)
        finally:
            self.current = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and isinstance(report.longrepr, tuple):
            self.record("captured", "skip reason", report.longrepr[-1])
        if report.when != "teardown":
            return
        parts = [("captured", name, content) for name, content in report.sections]
        parts += self._take(report.nodeid)
        if self._scan(report.nodeid, parts) and report.nodeid not in self.scan_nodeids:
            self.tests_with_output += 1
        if report.nodeid not in self.scan_nodeids:
            self.tests_scanned += 1
        self._scan(OUTSIDE, self._take(OUTSIDE))

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        self.record("warning", f"warning ({when})", str(warning_message.message))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.tests_started:
            return
        terminalreporter.write_line(self.summary())
        late = self.hits[self.checked_hits :] if self.checked_hits is not None else []
        if late:
            terminalreporter.write_line(
                "secrets scan: hits after the scan test ran (session teardown):", red=True
            )
            for hit in late[:MAX_HITS_SHOWN]:
                terminalreporter.write_line(f"  {hit}", red=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        for test in list(self._pending):
            self._scan(test, self._take(test))
        if self.checked_hits is not None and self.hit_count > self.checked_hits:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    # -- the verdict -----------------------------------------------------------------------------
    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.secrets.kinds.items())) or "none"
        outputs = ", ".join(f"{kind} {n}" for kind, n in sorted(self.outputs.items())) or "none"
        return (
            f"secrets scan: {self.tests_scanned} tests scanned ({self.tests_with_output} with output), "
            f"{self.lines} lines / {self.chars / 1e6:.1f} MB (pieces: {outputs}), "
            f"{len(self.secrets)} secret values (first seen by: {kinds}), "
            f"{self.hit_count} hits; scanning took {self.scan_seconds:.2f} s"
        )

    def full_run(self) -> bool:
        return (
            self.config.args_source == pytest.Config.ArgsSource.TESTPATHS and not self.config.option.keyword
        )

    def problems(self) -> list[str]:
        """Why this run could not have found a leak (empty when it could)."""
        problems = []
        if self.config.getoption("capture") == "no":
            problems.append("output capture is off (-s / --capture=no), so printed output cannot be seen")
        if not self.config.pluginmanager.has_plugin("logging"):
            problems.append("the logging plugin is disabled, so log records cannot be seen")
        if self.tests_scanned < self.tests_started:
            problems.append(f"only {self.tests_scanned} of {self.tests_started} tests' reports were scanned")
        if not self.lines:
            problems.append("no test printed, logged or read any output")
        if not self.secrets:
            problems.append("no secret value was seen")
        if self.full_run():
            if self.tests_with_output < FULL_RUN_MIN_TESTS_WITH_OUTPUT:
                problems.append(
                    f"a full run must see output from at least {FULL_RUN_MIN_TESTS_WITH_OUTPUT} tests, "
                    f"saw {self.tests_with_output}"
                )
            if len(self.secrets) < FULL_RUN_MIN_SECRETS:
                problems.append(f"a full run must see at least {FULL_RUN_MIN_SECRETS} secret values")
            missing = [k for k in FULL_RUN_SECRET_KINDS if not self.secrets.seen[k]]
            missing += [k for k in FULL_RUN_OUTPUT_KINDS if not self.outputs[k]]
            if missing:
                problems.append(f"a full run saw nothing from these hooks: {', '.join(missing)}")
        return problems

    def check(self) -> None:
        """Fail on any hit or when the run could not have found one; skip when run alone."""
        if not self.tests_started:
            pytest.skip("secrets scan: no other test ran in this session, so there is no output to scan")
        self._scan(OUTSIDE, self._take(OUTSIDE))
        self.checked_hits = len(self.hits)
        problems = self.problems()
        if problems:
            pytest.fail(f"secrets scan cannot vouch for this run: {'; '.join(problems)}. {self.summary()}")
        if self.hit_count:
            shown = "\n".join(f"  {hit}" for hit in self.hits[:MAX_HITS_SHOWN])
            more = len(self.hits) - MAX_HITS_SHOWN
            message = (
                f"{self.hit_count} leak(s) of a secret value in test output "
                "(test | where | secret field = masked value: the line, secrets shown as «field»):\n"
                f"{shown}{f'{chr(10)}  … and {more} more' if more > 0 else ''}\n{self.summary()}"
            )
            pytest.fail(self.secrets.mask(message), pytrace=False)


@pytest.fixture
def secrets_scan(request: pytest.FixtureRequest) -> SecretsScan:
    """The session's secrets scan (for the test marked `secrets_scan`)."""
    return request.config.stash[SCAN_KEY]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: asserts no secret in any other test's output; runs last (tests_support.secrets_scan)",
    )
    scan = SecretsScan(config)
    scan.install()
    config.stash[SCAN_KEY] = scan
    config.pluginmanager.register(scan, "secrets_scan_state")


def pytest_unconfigure(config: pytest.Config) -> None:
    scan = config.stash.get(SCAN_KEY, None)
    if scan is not None:
        scan.uninstall()
