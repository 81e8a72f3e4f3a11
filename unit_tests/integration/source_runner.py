"""Run the connector in-process the way the platform does (entrypoint, files, messages)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import orjson
from airbyte_cdk.models import (
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    SyncMode,
)
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, _run_command, discover, read
from airbyte_cdk.test.entrypoint_wrapper import make_file as _make_file
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from source_bill import SourceBill


def catalog(*streams: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for stream in streams:
        builder.with_stream(stream, sync_mode)
    return builder.build()


def read_streams(
    config: dict[str, Any],
    *streams: str,
    sync_mode: SyncMode = SyncMode.full_refresh,
    state: list[AirbyteStateMessage] | None = None,
    expecting_exception: bool = False,
) -> EntrypointOutput:
    configured = catalog(*streams, sync_mode=sync_mode)
    source = SourceBill(catalog=configured, config=config, state=state)
    outcome = ExpectedOutcome.EXPECT_EXCEPTION if expecting_exception else ExpectedOutcome.EXPECT_SUCCESS
    return read(source, config, configured, state, expected_outcome=outcome)


def discover_streams(config: dict[str, Any], source: SourceBill | None = None) -> EntrypointOutput:
    return discover(source or SourceBill(config=config), config)


def check(config: dict[str, Any], source: SourceBill | None = None) -> EntrypointOutput:
    with tempfile.TemporaryDirectory() as directory:
        path = _make_file(Path(directory) / "config.json", config)
        return _run_command(source or SourceBill(config=config), ["check", "--config", path])


def spec(source: SourceBill | None = None) -> EntrypointOutput:
    return _run_command(source or SourceBill(), ["spec"])


def output_text(output: EntrypointOutput) -> str:
    """Every message the connector wrote (records, logs, traces, statuses), serialized."""
    return "\n".join(
        orjson.dumps(AirbyteMessageSerializer.dump(message)).decode()
        for message in output.get_message_iterator()
    )
