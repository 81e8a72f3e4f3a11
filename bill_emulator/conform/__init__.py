"""`bill-emulator conform`: read-only probes that check the emulator's assumptions against a real BILL.

Each probe is one function run twice, on the BILL a connector config points at and on a reference
emulator with default settings; the two observations are compared (agree, differ or skipped).
See "Conformance probe" in docs/emulator.md. `run_conform` and `run_cli` live in `runner` (imported on
first use: it brings the connector's client, which `bill-emulator serve` does not need).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CannotRun", "run_cli", "run_conform"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bill_emulator.conform import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
