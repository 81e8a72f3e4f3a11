"""The conformance report: JSON to attach to an issue and a table to read, both with every secret masked."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bill_emulator.conform.probe import AGREE, DIFFER, SKIPPED, Verdict

REPORT_VERSION = 1
MASK = "****"


class Redactor:
    """Replaces every secret value (and every private id) with `****`, longest first."""

    def __init__(self, values: Iterable[str | None]) -> None:
        self._values = sorted({value for value in values if value and len(value) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, MASK)
            # The same value as it appears inside JSON strings (escaped characters).
            escaped = json.dumps(value)[1:-1]
            if escaped != value:
                text = text.replace(escaped, MASK)
        return text


@dataclass
class Report:
    auth_type: str
    environment: str
    target: str
    verdicts: list[Verdict]
    requests: int
    emulator_requests: int
    budget: int | None
    subject: str | None
    redact: Redactor
    generated: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(verdict.status for verdict in self.verdicts)
        return {status: counted.get(status, 0) for status in (AGREE, DIFFER, SKIPPED)}

    @property
    def exit_code(self) -> int:
        return 1 if self.counts[DIFFER] else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": "bill-emulator conform",
            "report_version": REPORT_VERSION,
            "generated": self.generated,
            "auth_type": self.auth_type,
            "environment": self.environment,
            "target": self.target,
            "reference": "an in-process BILL emulator with default settings (EmulatorSettings())",
            "subject_list": self.subject,
            "read_only": "GET requests and the one sign-in POST only; nothing created, changed or deleted",
            "summary": self.counts,
            "requests": self.requests,
            "request_budget": self.budget,
            "emulator_requests": self.emulator_requests,
            "probes": [verdict.as_dict() for verdict in self.verdicts],
        }

    def to_json(self) -> str:
        return self.redact(json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str)) + "\n"

    def table(self, width: int = 110) -> str:
        """One line per probe (the detail wrapped below it), then the totals."""
        name_width = max([len("probe"), *(len(v.probe.name) for v in self.verdicts)])
        lines = [
            f"{'probe':<{name_width}}  {'status':<7}  detail",
            f"{'-' * name_width}  {'-' * 7}  {'-' * 40}",
        ]
        indent = name_width + 11
        for verdict in self.verdicts:
            detail = textwrap.wrap(verdict.detail, max(40, width - indent)) or [""]
            keep = 2 if verdict.status == AGREE else 6
            if len(detail) > keep:
                detail = [
                    *detail[: keep - 1],
                    detail[keep - 1][: max(0, width - indent - 26)] + " … (in the report)",
                ]
            lines.append(f"{verdict.probe.name:<{name_width}}  {verdict.status:<7}  {detail[0]}")
            lines.extend(" " * indent + rest for rest in detail[1:])
        counts = self.counts
        budget = f" (budget {self.budget})" if self.budget is not None else ""
        lines.append("")
        lines.append(
            f"{counts[AGREE]} agree, {counts[DIFFER]} differ, {counts[SKIPPED]} skipped; "
            f"{self.requests} requests to BILL{budget}, one at a time; "
            f"{self.emulator_requests} to the reference emulator"
        )
        return self.redact("\n".join(lines)) + "\n"
