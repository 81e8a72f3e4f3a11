"""Shared fixtures: fresh sessions per test and no real sleeping during backoff."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from source_bill.client.sessions import reset_shared_sessions

REPO_ROOT = Path(__file__).resolve().parents[1]


class SleepRecorder:
    """Stands in for the `time` module of the backoff code: records sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def sleep(self, seconds: float) -> None:
        # The `backoff` library also sleeps 0 s after the CDK's own wait; only real waits count.
        if seconds > 0:
            self.calls.append(float(seconds))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture(autouse=True)
def _fresh_sessions():
    reset_shared_sessions(include_login_budgets=True)
    yield
    reset_shared_sessions(include_login_budgets=True)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    """Every backoff sleep (CDK, `backoff` library, BILL login retries, check), recorded and skipped."""
    recorder = SleepRecorder()
    monkeypatch.setattr("airbyte_cdk.sources.streams.http.rate_limiting.time", recorder)
    monkeypatch.setattr("backoff._sync.time", recorder)
    monkeypatch.setattr("airbyte_cdk.sources.streams.call_rate.time", recorder)
    monkeypatch.setattr("source_bill.client.sessions.time", recorder)
    monkeypatch.setattr("source_bill.check.time", recorder)
    return recorder
