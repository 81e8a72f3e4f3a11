"""Every private name of airbyte-cdk the connector touches, and nothing else.

The CDK declares no seam for what BILL needs in three places: sharing BILL's 3 request slots
between every stream (the HTTP session and call budget of each requester), cutting `updatedTime`
windows as a sync goes (the partition generator's slicer) and saving state inside a window (the
concurrent cursor's intervals). Those hooks reach into the CDK through the accessors below, and
only through them. `INTERNALS` lists each name with the CDK class that holds it;
`unit_tests/test_cdk_internals.py` checks every one against the installed CDK and fails naming the
version and the internal if one moved. The names belong to `CDK_VERSION`, which pyproject.toml pins.

An accessor returns None when its internal is missing, and the caller then reads without that
tuning after one warning (`warn_missing`): slower or with more pages read again, never wrong.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import orjson
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource

logger = logging.getLogger("airbyte")

CDK_VERSION = "7.39.1"


@dataclass(frozen=True)
class Internal:
    """A private attribute of a CDK class, and what the connector does with it."""

    module: str
    owner: str
    name: str
    use: str
    kind: str = "attribute"  # "attribute" (set on instances), "method", "property" or "function"

    def owner_class(self) -> Any:
        """The class holding the name (for a module-level function: its module)."""
        module = import_module(self.module)
        return getattr(module, self.owner) if self.owner else module

    @property
    def label(self) -> str:
        return f"{self.owner or self.module}.{self.name}"


_STREAM = "airbyte_cdk.sources.streams.concurrent.default_stream"
_GENERATOR = "airbyte_cdk.sources.declarative.stream_slicers.declarative_partition_generator"
_REQUESTER = "airbyte_cdk.sources.declarative.requesters.http_requester"
_HTTP_CLIENT = "airbyte_cdk.sources.streams.http.http_client"
_CALL_RATE = "airbyte_cdk.sources.streams.call_rate"
_CURSOR = "airbyte_cdk.sources.streams.concurrent.cursor"
_SOURCE = "airbyte_cdk.sources.declarative.concurrent_declarative_source"
_YAML_SOURCE = "airbyte_cdk.sources.declarative.yaml_declarative_source"
_RETRIEVER = "airbyte_cdk.sources.declarative.retrievers.simple_retriever"
_CONCURRENT_SOURCE = "airbyte_cdk.sources.concurrent_source.concurrent_source"
_ENTRYPOINT = "airbyte_cdk.entrypoint"

INTERNALS: tuple[Internal, ...] = (
    Internal(_STREAM, "DefaultStream", "_stream_partition_generator", "find a stream's slicer and retriever"),
    Internal(
        _GENERATOR, "StreamSlicerPartitionGenerator", "_stream_slicer", "swap in the updatedTime windows"
    ),
    Internal(_GENERATOR, "StreamSlicerPartitionGenerator", "_partition_factory", "find the retriever"),
    Internal(_GENERATOR, "DeclarativePartitionFactory", "_retriever", "find the requester and paginator"),
    Internal(
        _REQUESTER, "HttpRequester", "_http_client", "gate the HTTP session; send a window's first page"
    ),
    Internal(_HTTP_CLIENT, "HttpClient", "_session", "mount the request-slot gate"),
    Internal(_HTTP_CLIENT, "HttpClient", "_api_budget", "count calls on the wire"),
    Internal(_CALL_RATE, "APIBudget", "_policies", "count calls on the wire; keep the budget light"),
    Internal(_CALL_RATE, "MovingWindowCallRatePolicy", "_limiter", "keep the budget light"),
    Internal(
        _CURSOR, "ConcurrentCursor", "_connector_state_converter", "state inside windows; fast timestamps"
    ),
    Internal(_CURSOR, "ConcurrentCursor", "_end_provider", "end every cursor at the sync's start"),
    Internal(_CURSOR, "ConcurrentCursor", "_lock", "state inside windows"),
    Internal(
        _CURSOR, "ConcurrentCursor", "_slice_boundary_fields_wrapper", "state inside windows", "property"
    ),
    Internal(_CURSOR, "ConcurrentCursor", "_cursor_granularity", "state inside windows"),
    Internal(_CURSOR, "ConcurrentCursor", "_most_recent_cursor_value_per_partition", "state inside windows"),
    Internal(_CURSOR, "ConcurrentCursor", "_concurrent_state", "state inside windows"),
    Internal(_CURSOR, "ConcurrentCursor", "_merge_partitions", "state inside windows", "method"),
    Internal(_CURSOR, "ConcurrentCursor", "_emit_state_message", "state inside windows", "method"),
    Internal(_SOURCE, "ConcurrentDeclarativeSource", "_concurrent_source", "cap the record queue"),
    Internal(_CONCURRENT_SOURCE, "ConcurrentSource", "_queue", "cap the record queue"),
    Internal(
        _SOURCE, "ConcurrentDeclarativeSource", "_select_streams", "start per-parent streams last", "method"
    ),
    Internal(_SOURCE, "ConcurrentDeclarativeSource", "_config", "the config the source was built with"),
    Internal(_YAML_SOURCE, "YamlDeclarativeSource", "_parse", "parse the manifest once", "method"),
    Internal(
        _SOURCE,
        "",
        "get_declarative_component_schema",
        "parse the CDK's component schema once per process (one source per organization)",
        "function",
    ),
    Internal(
        _SOURCE,
        "ConcurrentDeclarativeSource",
        "_pre_process_manifest",
        "resolve the manifest once per process (one source per organization)",
        "method",
    ),
    Internal(
        _SOURCE,
        "ConcurrentDeclarativeSource",
        "_validate_source",
        "validate the manifest once per process (one source per organization)",
        "method",
    ),
    Internal(
        _YAML_SOURCE, "YamlDeclarativeSource", "_read_and_parse_yaml_file", "set read timeouts", "method"
    ),
    Internal(
        _ENTRYPOINT,
        "AirbyteEntrypoint",
        "airbyte_message_to_string",
        "write child processes' record lines as they are (public, but `run` names it on the CDK's class)",
        "method",
    ),
)

_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_missing(tuning: str, internal: str) -> None:
    """Say once per process that `tuning` is off because the CDK lacks `internal`."""
    with _warned_lock:
        if internal in _warned:
            return
        _warned.add(internal)
    logger.warning(
        f"source-bill: {tuning} is not installed: airbyte-cdk {_installed_version()} has no {internal} "
        f"(the connector was built for airbyte-cdk {CDK_VERSION}). The sync goes on without it."
    )


def _installed_version() -> str:
    try:
        from importlib.metadata import version

        return version("airbyte-cdk")
    except Exception:
        return "(unknown version)"


def _get(obj: Any, name: str, tuning: str, owner: str) -> Any:
    value = getattr(obj, name, None)
    if value is None and obj is not None:
        warn_missing(tuning, f"{owner}.{name}")
    return value


# -- streams, slicers, retrievers ---------------------------------------------------------------


def partition_generator(stream: Any) -> Any:
    return _get(stream, "_stream_partition_generator", "BILL's stream tuning", "DefaultStream")


def generator_slicer(generator: Any) -> Any:
    return getattr(generator, "_stream_slicer", None)


def replace_generator_slicer(generator: Any, slicer: Any) -> bool:
    """Make `generator` cut its partitions with `slicer`; False when it has no slicer to replace."""
    if not hasattr(generator, "_stream_slicer"):
        warn_missing("updatedTime windows", "StreamSlicerPartitionGenerator._stream_slicer")
        return False
    generator._stream_slicer = slicer
    return True


def generator_retriever(generator: Any) -> Any:
    factory = getattr(generator, "_partition_factory", None)
    return getattr(factory, "_retriever", None)


def requester_session(requester: Any) -> Any:
    http_client = _get(requester, "_http_client", "BILL's request slots", "HttpRequester")
    return _get(http_client, "_session", "BILL's request slots", "HttpClient")


def requester_call_budget(requester: Any) -> Any:
    http_client = getattr(requester, "_http_client", None)
    return getattr(http_client, "_api_budget", None)


def session_call_budget(session: Any) -> Any:
    """The call budget a CDK `LimiterSession` counts calls with (None for a plain session)."""
    return getattr(session, "_api_budget", None)


def move_session_call_budget(session: Any, replacement: Any) -> Any:
    """Take the call budget out of a CDK session (it counts calls when asked for) and return it."""
    budget = session_call_budget(session)
    if budget is None or not budget_policies(budget):
        return None
    session._api_budget = replacement
    return budget


def budget_policies(budget: Any) -> list[Any]:
    return list(getattr(budget, "_policies", None) or [])


def policy_bucket_factory(policy: Any) -> Any:
    return getattr(getattr(policy, "_limiter", None), "bucket_factory", None)


# -- the concurrent cursor -----------------------------------------------------------------------


def freeze_cursor_end(cursor: Any) -> None:
    """Make the cursor's end "now" as of this call, for the whole sync.

    The CDK asks its end provider for the current time whenever it needs the end, so a client-side
    cursor keeps records updated while the sync runs, and its state jumps past rows updated meanwhile
    behind the reader; with the end fixed, those wait for the next sync, as the rows behind do.
    """
    provider = getattr(cursor, "_end_provider", None)
    if not callable(provider):
        warn_missing("the sync's fixed end time", "ConcurrentCursor._end_provider")
        return
    if getattr(provider, "bill_frozen", False):
        return
    end = provider()

    def sync_start() -> Any:
        return end

    sync_start.bill_frozen = True  # type: ignore[attr-defined]
    cursor._end_provider = sync_start


def cursor_state_converter(cursor: Any) -> Any:
    return _get(cursor, "_connector_state_converter", "fast timestamps", "ConcurrentCursor")


class CursorInternals:
    """What state inside windows needs of a `ConcurrentCursor`, by name (see `checkpoints.py`)."""

    NAMES = (
        "_connector_state_converter",
        "_lock",
        "_slice_boundary_fields_wrapper",
        "_cursor_granularity",
        "_most_recent_cursor_value_per_partition",
        "_concurrent_state",
        "_merge_partitions",
        "_emit_state_message",
    )

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.converter = cursor._connector_state_converter
        self.lock: threading.Lock = cursor._lock
        self.start_key: str = cursor._slice_boundary_fields_wrapper[0]
        self.granularity = cursor._cursor_granularity

    @classmethod
    def of(cls, cursor: Any) -> CursorInternals | None:
        missing = [name for name in cls.NAMES if not hasattr(cursor, name)]
        if missing:
            warn_missing("state inside updatedTime windows", f"ConcurrentCursor.{missing[0]}")
            return None
        return cls(cursor)

    def newest_per_window(self) -> MutableMapping[Any, Any]:
        return self.cursor._most_recent_cursor_value_per_partition

    def add_intervals_and_emit(self, intervals: list[MutableMapping[str, Any]]) -> None:
        """Add read intervals to the cursor's state, merge them and emit the state (lock held)."""
        state = self.cursor._concurrent_state
        if not intervals or "slices" not in state:
            return
        state["slices"].extend(intervals)
        self.cursor._merge_partitions()
        self.cursor._emit_state_message()

    def wrap(self, method: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Replace the cursor's public `method` with `wrapper(original)`."""
        setattr(self.cursor, method, wrapper(getattr(self.cursor, method)))


# -- the source ----------------------------------------------------------------------------------


def cap_record_queue(source: Any, size: int) -> None:
    """Bound the queue between the reading threads and the writer to `size` messages."""
    queue = getattr(getattr(source, "_concurrent_source", None), "_queue", None)
    if queue is None:
        warn_missing("the bounded record queue", "ConcurrentSource._queue")
        return
    queue.maxsize = size


def write_messages_with(line: Callable[[Any], str]) -> bool:
    """Write the messages of `read` with `line` for the rest of the process; False if the CDK moved.

    `AirbyteEntrypoint.run` writes them through `AirbyteEntrypoint.airbyte_message_to_string` named on
    the CDK's class, so a subclass's own is not used: `line` takes the class's place. `line` must
    write every message it does not know as the CDK does (with the function this replaced).
    """
    entrypoint = import_module(_ENTRYPOINT).AirbyteEntrypoint
    if getattr(entrypoint, "airbyte_message_to_string", None) is None:
        warn_missing(
            "writing child processes' records as they are", "AirbyteEntrypoint.airbyte_message_to_string"
        )
        return False
    entrypoint.airbyte_message_to_string = staticmethod(line)
    return True


#: Manifests resolved (`_pre_process_manifest`) and validated in this process, by content. A sync of
#: many organizations builds one source per organization from the same manifest: resolving and
#: validating it (with the CDK's component schema, parsed anew each time) took most of the 0.5 s of
#: CPU each build cost.
_resolved: dict[bytes, Any] = {}
_validated: set[bytes] = set()
_manifests_lock = threading.Lock()
_MAX_RESOLVED = 4


def parse_component_schema_once() -> None:
    """Make the CDK parse its component schema (a large YAML file, 0.1 s) once per process, not once
    per source built; the schema is only read."""
    module = import_module(_SOURCE)
    parse = getattr(module, "get_declarative_component_schema", None)
    if parse is None:
        warn_missing("parsing the component schema once", f"{_SOURCE}.get_declarative_component_schema")
        return
    if not getattr(parse, "bill_parsed_once", False):
        once = functools.lru_cache(maxsize=1)(parse)
        once.bill_parsed_once = True  # type: ignore[attr-defined]
        module.get_declarative_component_schema = once


class DeclarativeSourceHooks(YamlDeclarativeSource):
    """The declarative source with some of its private methods turned into hooks of our own, and its
    manifest resolved and validated once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        parse_component_schema_once()
        super().__init__(*args, **kwargs)

    def _pre_process_manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        key = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)
        self.bill_manifest_key = key
        with _manifests_lock:
            resolved = _resolved.get(key)
        if resolved is None:
            resolved = super()._pre_process_manifest(manifest)  # type: ignore[misc]
            with _manifests_lock:
                if len(_resolved) >= _MAX_RESOLVED:
                    _resolved.clear()
                _resolved[key] = resolved
        return copy.deepcopy(resolved)

    def _validate_source(self) -> None:
        key = getattr(self, "bill_manifest_key", None)
        if key is not None and key in _validated:
            return
        super()._validate_source()  # type: ignore[misc]
        if key is not None:
            with _manifests_lock:
                _validated.add(key)

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> Any:
        return self.load_manifest(path_to_yaml_file)

    def load_manifest(self, path_to_yaml_file: str) -> Any:
        """The parsed manifest (override to parse once, or to adjust it)."""
        return super()._read_and_parse_yaml_file(path_to_yaml_file)

    def _select_streams(self, streams: list[Any], configured_catalog: Any) -> list[Any]:
        return self.order_streams(super()._select_streams(streams, configured_catalog))

    def order_streams(self, streams: list[Any]) -> list[Any]:
        """The selected streams, in the order to start them (override to reorder)."""
        return streams


def parse_manifest(text: str) -> Any:
    return YamlDeclarativeSource._parse(text)


def source_config(source: Any) -> Any:
    """The config a declarative source was built with (defaults of the spec filled in)."""
    return source._config
