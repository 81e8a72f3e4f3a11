"""The contract replay as a whole: at least 90% of the in-scope collection requests must pass.

Left-out requests count as not passing, so leaving requests out never raises the rate.
"""

from __future__ import annotations

import pytest

from bill_emulator import running_emulator
from emulator_tests.contract import (
    PASS_TARGET,
    Outcome,
    contract_settings,
    load_requests,
    replay_all,
    write_report,
)


@pytest.fixture(scope="session")
def contract_outcomes() -> list[Outcome]:
    """Every in-scope request replayed once per session, against one emulator."""
    with running_emulator(contract_settings()) as server:
        return replay_all(server)


def test_at_least_90_percent_of_the_collection_passes(
    contract_outcomes: list[Outcome], capsys: pytest.CaptureFixture[str]
) -> None:
    write_report(contract_outcomes)  # build/contract-report.txt has the per-folder summary
    total = len(load_requests())
    passed = sum(1 for o in contract_outcomes if o.passed)
    failing = [o for o in contract_outcomes if not o.passed]
    summary = f"contract coverage: {passed}/{total} requests pass ({100 * passed / total:.1f}%)"
    with capsys.disabled():
        print(f"\n{summary}; failing ({len(failing)}):")
        for outcome in failing:
            print(f"  - {outcome.request.id} [{outcome.cause}]: {outcome.detail[:300]}")
    assert passed >= PASS_TARGET * total, f"{summary}, below {PASS_TARGET:.0%}"
