"""`source-bill` as Airbyte runs it (a program given files), for the demo and the benchmark."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

CONNECTOR = str(Path(sys.executable).parent / "source-bill")


def configured_catalog(catalog: Mapping[str, Any], streams: Iterable[str] | None = None) -> dict[str, Any]:
    """The configured catalog of a discovered `catalog`: every stream (or `streams`), incremental
    where the stream supports it, else full refresh; appended to the destination."""
    wanted = None if streams is None else set(streams)
    return {
        "streams": [
            {
                "stream": stream,
                "sync_mode": "incremental"
                if "incremental" in stream["supported_sync_modes"]
                else "full_refresh",
                "destination_sync_mode": "append",
            }
            for stream in catalog["streams"]
            if wanted is None or stream["name"] in wanted
        ]
    }
