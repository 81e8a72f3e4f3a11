"""MFA (setup, challenge, step-up) and organization risk verification."""

from __future__ import annotations

from typing import Any

from bill_emulator.backends import mfa
from bill_emulator.errors import BillApiError, envelope
from bill_emulator.handlers import Call, Reply
from bill_emulator.responses.answers import answer


def _answer(call: Call, result: dict[str, Any] | BillApiError) -> Reply:
    """A wrong MFA token is answered, not raised: the attempt it used stays counted."""
    if isinstance(result, BillApiError):
        return Reply(result.status, raw=envelope([result], call.ctx.clock.now()))
    return Reply(200, result)


list_phones = answer(mfa.list_phones)
setup = answer(mfa.setup, body=True)


def validate_setup(call: Call) -> Reply:
    return _answer(call, mfa.validate_setup(call.ctx, call.body))


challenge = answer(mfa.challenge, body=True)


def validate_challenge(call: Call) -> Reply:
    return _answer(call, mfa.validate_challenge(call.ctx, call.body))


step_up = answer(mfa.step_up, body=True)
get_risk_verification = answer(mfa.get_risk_verification)
initiate_risk_verification = answer(mfa.initiate_risk_verification)


def get_risk_phone(call: Call) -> Reply:
    return Reply(200, {"hasPhone": mfa.has_risk_phone(call.ctx, call.ctx.user_id)})


def post_risk_phone(call: Call) -> Reply:
    """{phoneNumber, phoneType}: 200 with an empty body."""
    mfa.add_risk_phone(call.ctx, call.ctx.user_id or "", call.body)
    return Reply(200)
