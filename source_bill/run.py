"""Console entry point `source-bill`: builds SourceBill from the run's config, catalog and state."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime, timezone

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    TraceType,
    Type,
)

from .source import SourceBill


def _get_source(args: list[str]) -> SourceBill | None:
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        return SourceBill(
            catalog=SourceBill.read_catalog(catalog_path) if catalog_path else None,
            config=SourceBill.read_config(config_path) if config_path else None,
            state=SourceBill.read_state(state_path) if state_path else None,
        )
    except Exception as error:
        message = AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=int(datetime.now(timezone.utc).timestamp() * 1000),
                error=AirbyteErrorTraceMessage(
                    message=f"Could not start the BILL source: {type(error).__name__}. Check the config, catalog and state files.",
                    stack_trace=traceback.format_exc(),
                ),
            ),
        )
        print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())
        return None


def run() -> None:
    args = sys.argv[1:]
    source = _get_source(args)
    if source is not None:
        launch(source, args)


if __name__ == "__main__":
    run()
