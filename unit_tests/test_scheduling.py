"""The order streams start in (source_bill/scheduling.py)."""

from __future__ import annotations

from source_bill.scheduling import schedule
from source_bill.source import SourceBill
from unit_tests.integration.config import ConfigBuilder


def test_streams_read_one_request_per_parent_record_start_last():
    source = SourceBill(config=ConfigBuilder().build())
    names = [stream.name for stream in schedule(source.streams(source._config))]

    assert names[-1] == "customer_bank_accounts"
    assert names[:3] == ["customers", "invoices", "receivable_payments"]
