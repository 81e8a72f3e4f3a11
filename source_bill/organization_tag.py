"""`OrganizationTag`: every AP/AR record says which BILL organization it came from.

Most of BILL's objects do not carry their organization; with several organizations in one sync
(`organizations.py`) a destination table holds rows of each, so each record gets `organizationId`,
the organization its read signed in to. A record that has one keeps BILL's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from typing import Any

from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState

ORGANIZATION_FIELD = "organizationId"


@dataclass
class OrganizationTag(RecordTransformation):
    """Adds `organizationId` (the config's `credentials.organization_id`) where BILL's record lacks it."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    _organization_id: str | None = field(init=False, default=None)

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        credentials = self.config.get("credentials")
        value = credentials.get("organization_id") if isinstance(credentials, Mapping) else None
        self._organization_id = str(value).strip() if value else None

    def transform(
        self,
        record: dict[str, Any],
        config: Config | None = None,
        stream_state: StreamState | None = None,
        stream_slice: StreamSlice | None = None,
    ) -> None:
        if self._organization_id is not None and not record.get(ORGANIZATION_FIELD):
            record[ORGANIZATION_FIELD] = self._organization_id
