"""Airbyte messages the organization tests build: a stream's state, alone or as a message."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
    Type,
)


def stream_state(stream: str, blob: dict[str, Any]) -> AirbyteStateMessage:
    """A per-stream state of `stream` holding `blob`."""
    return AirbyteStateMessage(
        type=AirbyteStateType.STREAM,
        stream=AirbyteStreamState(
            stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(**blob)
        ),
    )


def state_message(stream: str, blob: dict[str, Any]) -> AirbyteMessage:
    """`stream_state` as the message a read writes."""
    return AirbyteMessage(type=Type.STATE, state=stream_state(stream, blob))
