"""A small in-memory BILL list that answers the connector like BILL's list endpoints: `filters` on
updatedTime (gte/lte), `sort`, `max` and a `page` cursor; and an in-process incremental read of it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.state_builder import StateBuilder
from freezegun import freeze_time

from source_bill.checkpoints import stretches_read
from unit_tests.integration.config import API_ROOT, ConfigBuilder
from unit_tests.integration.source_runner import read_streams

NOW = "2025-03-01T12:00:00Z"
NOW_MS = "2025-03-01T12:00:00.000Z"
UTC = timezone.utc


def bill_time(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+00:00"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def growing_records(count: int, start: str = "2024-01-01T00:00:00+00:00", days: int = 400) -> list[dict]:
    """`count` invoices over `days`, ever denser (a growing business), like BILL's data."""
    first = datetime.fromisoformat(start)
    return [
        {
            "id": f"inv{index:05d}",
            "updatedTime": bill_time(first + timedelta(days=days) * ((index + 1) / count) ** 0.5),
        }
        for index in range(count)
    ]


class FakeList:
    """One BILL list endpoint over `records`."""

    def __init__(self, records: list[dict], fail_from: datetime | None = None) -> None:
        self.records = sorted(records, key=lambda r: (r["updatedTime"], r["id"]))
        self.fail_from = fail_from
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, request: Any, context: Any) -> Any:
        query = {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}
        with self.lock:
            self.requests.append(query)
        bounds = dict(part.split(":", 2)[1:] for part in query["filters"].split(","))
        lower, upper = self.bound(bounds["gte"].strip('"')), self.bound(bounds["lte"].strip('"'))
        if self.fail_from is not None and lower >= self.fail_from:
            context.status_code = 400
            return [{"code": "BDC_1116", "severity": "ERROR", "category": "REQUEST", "message": "bad"}]
        rows = self.ordered([r for r in self.records if lower <= parse_time(r["updatedTime"]) <= upper])
        if query.get("sort") == "updatedTime:desc":
            rows.reverse()
        offset, size = int(query.get("page", 0)), self.page_size(int(query["max"]))
        body: dict[str, Any] = {"results": rows[offset : offset + size]}
        if offset + size < len(rows) or (self.trailing_cursor and offset < len(rows)):
            body["nextPage"] = str(min(offset + size, len(rows)))
        elif self.trailing_cursor and rows:
            body["nextPage"] = str(offset)  # the empty page past the end, again and again
        return body

    # What a BILL that differs from its documents changes (see unit_tests/test_windows.py).
    trailing_cursor = False  # the last page carries a nextPage, to an empty page that carries it again

    def ordered(self, rows: list[dict]) -> list[dict]:
        """The matching rows in the order served (BILL's: updatedTime, then id)."""
        return rows

    def bound(self, text: str) -> datetime:
        """A filter bound as compared."""
        return parse_time(text)

    def page_size(self, asked: int) -> int:
        return asked

    def window_starts(self) -> list[str]:
        first_pages = [q for q in self.requests if "page" not in q]
        return sorted({q["filters"].split('"')[1] for q in first_pages})


def read_list(
    records: list[dict],
    *,
    state: dict | None = None,
    fail_from: datetime | None = None,
    list_type: type[FakeList] = FakeList,
):
    fake = list_type(records, fail_from)
    with freeze_time(NOW), requests_mock.Mocker() as mocker:
        mocker.post(f"{API_ROOT}/login", json={"sessionId": "s1"})
        mocker.get(f"{API_ROOT}/invoices", json=fake)
        states = StateBuilder().with_stream_state("invoices", state).build() if state else None
        output = read_streams(
            ConfigBuilder().build(),
            "invoices",
            sync_mode=SyncMode.incremental,
            state=states,
            expecting_exception=fail_from is not None,
        )
    return output, fake


def record_ids(output) -> list[str]:
    return [message.record.data["id"] for message in output.records]


def unread_before(output, records: list[dict]) -> list[tuple[str, str]]:
    """(state index, record id) for every record a state message claims read that had not come yet."""
    by_id = {record["id"]: parse_time(record["updatedTime"]) for record in records}
    delivered: set[str] = set()
    problems = []
    for index, message in enumerate(output.records_and_state_messages):
        if message.record is not None:
            delivered.add(message.record.data["id"])
            continue
        stretches = stretches_read(message.state.stream.stream_state.__dict__)
        for record_id, moment in by_id.items():
            if record_id not in delivered and any(lo <= moment <= hi for lo, hi in stretches):
                problems.append((str(index), record_id))
    return problems
