"""A stream's state when a sync reads several organizations: one state per organization.

`{"organizations": {"00801…": <that organization's state>, …}}`, each inner state what a
one-organization sync keeps (a cursor or the CDK's intervals). The form survives a change of the
organizations read: an organization new to the sync has no entry and starts from `start_date`; one
no longer read is left out of the next state written (forgotten, nothing else changes); one whose
read failed keeps the state it came with. A one-organization state (before `organization_ids` was set)
is the state of the config's `organization_id`; a one-organization sync given a state of this form
reads its own organization's entry.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk.models import (
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
)

from .state import blob_of

ORGANIZATIONS_KEY = "organizations"


def _with_blob(state: AirbyteStateMessage, blob: Mapping[str, Any]) -> AirbyteStateMessage:
    copied = copy.deepcopy(state)
    copied.stream.stream_state = AirbyteStateBlob(**blob)  # type: ignore[union-attr]
    return copied


def per_organization(blob: Any, first_organization: str) -> dict[str, Any]:
    """A stream state as {organization id: its state} (a one-organization state belongs to
    `first_organization`, the config's `organization_id`)."""
    if not isinstance(blob, Mapping) or not blob:
        return {}
    inner = blob.get(ORGANIZATIONS_KEY)
    if isinstance(inner, Mapping) and len(blob) == 1:
        return {str(key): value for key, value in inner.items() if isinstance(value, Mapping)}
    return {first_organization: dict(blob)}


def states_of(
    states: Iterable[AirbyteStateMessage] | None, organization_id: str, first_organization: str
) -> list[AirbyteStateMessage]:
    """The state messages one organization's read starts from (streams it has no state for: none)."""
    kept = []
    for state in states or []:
        if state.type != AirbyteStateType.STREAM or state.stream is None:
            continue
        blob = per_organization(blob_of(state), first_organization).get(organization_id)
        if blob:
            kept.append(_with_blob(state, blob))
    return kept


class OrganizationStates:
    """The state of each stream and organization of a sync, written as one state per stream."""

    def __init__(
        self,
        states: Iterable[AirbyteStateMessage] | None,
        organizations: Iterable[str],
        first_organization: str,
    ) -> None:
        read = set(organizations)
        self._lock = threading.Lock()
        self._streams: dict[tuple[str, str | None], dict[str, Any]] = {}
        for state in states or []:
            if state.type != AirbyteStateType.STREAM or state.stream is None:
                continue
            descriptor = state.stream.stream_descriptor
            kept = {
                organization: blob
                for organization, blob in per_organization(blob_of(state), first_organization).items()
                if organization in read  # an organization no longer read is forgotten
            }
            self._streams[(descriptor.name, descriptor.namespace)] = kept

    def update(self, organization_id: str, state: AirbyteStateMessage) -> AirbyteStateMessage:
        """The stream's state once `organization_id` saved `state` for it."""
        descriptor = state.stream.stream_descriptor  # type: ignore[union-attr]
        blob = blob_of(state)
        with self._lock:
            organizations = self._streams.setdefault((descriptor.name, descriptor.namespace), {})
            # A copy of this organization's state, once: the combined state below shares it.
            organizations[organization_id] = copy.deepcopy(dict(blob)) if isinstance(blob, Mapping) else {}
            combined = {ORGANIZATIONS_KEY: dict(sorted(organizations.items()))}
        return AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=descriptor.name, namespace=descriptor.namespace),
                stream_state=AirbyteStateBlob(**combined),
            ),
            sourceStats=state.sourceStats,
        )
