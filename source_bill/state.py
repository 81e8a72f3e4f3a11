"""Incoming state, checked before the CDK reads it: a damaged cursor must not crash a sync.

Every incremental stream of this connector keeps one cursor, `updatedTime`, either as a value
(`{"updatedTime": "2025-01-01T00:00:00.000Z"}`) or as the CDK's merged intervals
(`{"state_type": "date-range", "slices": [{"start": ..., "end": ..., "most_recent_cursor_value": ...}]}`).

* A cursor in any ISO 8601 form (a date, another zone, no milliseconds) is rewritten in the
  connector's own format.
* A cursor that cannot be read (not a date, a number, null, an interval without bounds) is
  dropped with a warning: the stream is read again from the start date. Records come again, none is
  lost; a destination deduplicating on `id` keeps one copy.
* A cursor in the future is kept (Airbyte's convention for abnormal state: nothing is read), with a
  warning that says how to recover.
* The state of a stream the catalog does not read is ignored, with a note.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from airbyte_cdk.models import AirbyteStateBlob, AirbyteStateMessage, AirbyteStateType

from .client.timestamps import format_cursor, parse_timestamp

CURSOR_FIELD = "updatedTime"
_SLICE_KEYS = ("start", "end", "most_recent_cursor_value")


def blob_of(state: AirbyteStateMessage) -> Any:
    """The stream state of a STREAM state message, as a plain value."""
    stream = state.stream
    blob = stream.stream_state if stream is not None else None
    if isinstance(blob, AirbyteStateBlob):
        return dict(blob.__dict__)
    return blob


def _check_stream_state(name: str, value: Any, now: datetime) -> tuple[Any, str | None]:
    """(the state to keep, or None to drop it; a warning or None)."""
    if not isinstance(value, Mapping):
        return None, f"The saved state of stream '{name}' is not an object"
    if CURSOR_FIELD in value:
        moment = parse_timestamp(value[CURSOR_FIELD])
        if moment is None:
            return (
                None,
                f"The saved cursor of stream '{name}' ({CURSOR_FIELD}={value[CURSOR_FIELD]!r}) is not a date",
            )
        fixed = {**value, CURSOR_FIELD: format_cursor(moment)}
        return fixed, _future(name, moment, now)
    slices = value.get("slices")
    if slices is not None:
        if not isinstance(slices, list) or not slices:
            return None, f"The saved state of stream '{name}' has no readable intervals"
        fixed_slices = []
        newest: datetime | None = None
        for interval in slices:
            if not isinstance(interval, Mapping) or "start" not in interval or "end" not in interval:
                return None, f"The saved state of stream '{name}' has an interval without start and end"
            fixed_interval = dict(interval)
            for key in _SLICE_KEYS:
                if key in interval and interval[key] is not None:
                    moment = parse_timestamp(interval[key])
                    if moment is None:
                        return (
                            None,
                            f"The saved state of stream '{name}' has an unreadable {key} ({interval[key]!r})",
                        )
                    fixed_interval[key] = format_cursor(moment)
                    newest = moment if newest is None else max(newest, moment)
            fixed_slices.append(fixed_interval)
        return {**value, "slices": fixed_slices}, (_future(name, newest, now) if newest else None)
    return value, None  # no cursor: the CDK starts the stream from the start date


def _future(name: str, moment: datetime, now: datetime) -> str | None:
    if moment <= now:
        return None
    return (
        f"The saved cursor of stream '{name}' ({format_cursor(moment)}) is in the future, so this sync reads "
        "nothing for it until then. If the state was edited or copied by mistake, reset the stream (or clear "
        "its state) to read it again."
    )


def check_states(
    states: Iterable[AirbyteStateMessage] | None,
    stream_names: Iterable[str] | None = None,
    now: datetime | None = None,
) -> tuple[list[AirbyteStateMessage], list[str]]:
    """The states the CDK can read, and a message for each one that was changed, dropped or is odd."""
    now = now or datetime.now(timezone.utc)
    known = set(stream_names) if stream_names is not None else None
    kept: list[AirbyteStateMessage] = []
    notes: list[str] = []
    for state in states or []:
        if state.type != AirbyteStateType.STREAM or state.stream is None:
            kept.append(state)
            continue
        name = state.stream.stream_descriptor.name
        if known is not None and name not in known:
            notes.append(
                f"The saved state names stream '{name}', which this sync does not read; it is ignored."
            )
            kept.append(state)
            continue
        value, problem = _check_stream_state(name, blob_of(state), now)
        if value is None:
            notes.append(
                f"{problem}; the stream is read again from the start date (records already synced come again, "
                "none is lost)."
            )
            continue
        if problem:
            notes.append(problem)
        fixed = copy.deepcopy(state)
        fixed.stream.stream_state = AirbyteStateBlob(**value)  # type: ignore[union-attr]
        kept.append(fixed)
    return kept, notes
