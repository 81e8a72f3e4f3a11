"""The cursor's fast parsing of BILL's `updatedTime` (source_bill/cursor_timestamps.py)."""

from __future__ import annotations

import pytest

from source_bill.cursor_timestamps import fast_timestamps
from source_bill.source import SourceBill
from unit_tests.integration.config import ConfigBuilder


def test_fast_timestamps_parse_like_the_manifest_formats():
    source = SourceBill(config=ConfigBuilder().build())
    stream = next(s for s in source.streams(source._config) if s.name == "invoices")
    converter = stream.cursor._connector_state_converter
    original = type(converter).parse_timestamp.__get__(converter)
    fast_timestamps(stream.cursor)  # idempotent

    for value in ("2025-02-10T09:30:15.123+00:00", "2025-02-10T09:30:15.123-05:00", "2025-02-10T09:30:15Z"):
        assert converter.parse_timestamp(value) == original(value)
    with pytest.raises(ValueError):
        converter.parse_timestamp("not a time")
