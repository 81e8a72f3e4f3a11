"""The signed-in organization: its details, industries, price plan and billing statements."""

from __future__ import annotations

from bill_emulator.backends import org_extras, organizations
from bill_emulator.handlers import Call, Reply
from bill_emulator.responses.answers import answer

get_organization = answer(organizations.signed_in_organization, "organizationId")
update_organization = answer(organizations.update_organization, "organizationId", body=True)


def list_industries(call: Call) -> Reply:
    return Reply(200, org_extras.list_industries())


get_price_plan = answer(org_extras.get_price_plan, "organizationId")
list_billing_statements = answer(org_extras.list_billing_statements, "organizationId", query=True)


def get_billing_statement(call: Call) -> Reply:
    host = call.headers.get("host") or "localhost"
    org_id, statement_id = call.path["organizationId"], call.path["billingStatementId"]
    return Reply(200, org_extras.get_billing_statement(call.ctx, org_id, statement_id, host))
