"""Airbyte source connector for BILL."""

from .source import SourceBill

__all__ = ["SourceBill"]
