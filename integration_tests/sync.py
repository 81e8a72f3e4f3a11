"""Run the connector in process against the emulator, the way Airbyte runs `read`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, discover, read

from source_bill.source import SourceBill


def stream_names(config: Mapping[str, Any]) -> list[str]:
    output = discover(SourceBill(config=config), config)
    return [stream.name for stream in output.catalog.catalog.streams]


def sync(
    config: Mapping[str, Any],
    streams: list[str] | None = None,
    mode: SyncMode = SyncMode.full_refresh,
    state: list[AirbyteStateMessage] | None = None,
) -> EntrypointOutput:
    builder = CatalogBuilder()
    for name in streams or stream_names(config):
        builder.with_stream(name, mode)
    catalog = builder.build()
    return read(SourceBill(config=config, catalog=catalog, state=state), config, catalog, state=state)


def ids_by_stream(output: EntrypointOutput) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = defaultdict(list)
    for message in output.records:
        ids[message.record.stream].append(message.record.data["id"])
    return dict(ids)
