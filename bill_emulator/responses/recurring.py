"""Recurring templates are plain CRUD; this is the request check their writes share."""

from __future__ import annotations

from bill_emulator.backends.mfa import require_trusted
from bill_emulator.handlers import Call


def autopay_guard(call: Call) -> None:
    """Turning on a recurring bill's autoPayment needs an MFA-trusted session (BILL's MFA list)."""
    items = call.body if isinstance(call.body, list) else [call.body]
    options = [x.get("processingOptions") for x in items if isinstance(x, dict)]
    if any(isinstance(o, dict) and o.get("autoPayment") is True for o in options):
        require_trusted(call.ctx)
