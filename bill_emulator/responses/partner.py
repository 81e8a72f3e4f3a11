"""Partner routes beside the generated ones: new organizations and their price plans, and users and
risk-verification phones of the organization the partner acts on."""

from __future__ import annotations

from bill_emulator.backends import partner
from bill_emulator.handlers import Call, Reply


def create_organization(call: Call) -> Reply:
    return Reply(201, partner.create_organization(call.ctx, call.body))


def update_price_plan(call: Call) -> Reply:
    partner.update_price_plan(call.ctx, call.path["organizationId"], call.body)
    return Reply(200, {"status": "SUCCESS"})


def add_risk_phone(call: Call) -> Reply:
    partner.add_risk_phone(call.ctx, call.path["userId"], call.body)
    return Reply(200)


def create_user(call: Call) -> Reply:
    return Reply(201, partner.create_user(call.ctx, call.body))


def update_user(call: Call) -> Reply:
    return Reply(200, partner.update_user(call.ctx, call.path["userId"], call.body))
