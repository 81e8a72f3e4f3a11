"""The signed-in organization: its details, industries, price plan and billing statements."""

from __future__ import annotations

from bill_emulator.backends import org_extras, organizations
from bill_emulator.handlers import Call, Reply


def get_organization(call: Call) -> Reply:
    return Reply(200, organizations.signed_in_organization(call.ctx, call.path["organizationId"]))


def update_organization(call: Call) -> Reply:
    return Reply(200, organizations.update_organization(call.ctx, call.path["organizationId"], call.body))


def list_industries(call: Call) -> Reply:
    return Reply(200, org_extras.list_industries())


def get_price_plan(call: Call) -> Reply:
    return Reply(200, org_extras.get_price_plan(call.ctx, call.path["organizationId"]))


def list_billing_statements(call: Call) -> Reply:
    return Reply(200, org_extras.list_billing_statements(call.ctx, call.path["organizationId"], call.query))


def get_billing_statement(call: Call) -> Reply:
    host = call.headers.get("host") or "localhost"
    org_id, statement_id = call.path["organizationId"], call.path["billingStatementId"]
    return Reply(200, org_extras.get_billing_statement(call.ctx, org_id, statement_id, host))
