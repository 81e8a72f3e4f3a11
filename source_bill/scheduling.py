"""The order the sync starts its streams in: streams with a parent stream last.

Streams read one request per parent record (customer bank accounts, partner users and roles) have
many one-page partitions; started last, they fill BILL's request slots while the last windows of
the large lists finish, instead of queueing ahead of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airbyte_cdk.sources.declarative.partition_routers.substream_partition_router import (
    SubstreamPartitionRouter,
)

from . import cdk_internals as cdk


def schedule(streams: Sequence[Any]) -> list[Any]:
    """`streams` in the order to start them: streams with a parent stream last (stable)."""
    return sorted(streams, key=_has_parent)


def _has_parent(stream: Any) -> bool:
    generator = cdk.partition_generator(stream)
    return isinstance(cdk.generator_slicer(generator), SubstreamPartitionRouter)
