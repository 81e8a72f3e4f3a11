"""Partner routes beside the generated ones: new organizations and their price plans, and users and
risk-verification phones of the organization the partner acts on."""

from __future__ import annotations

from bill_emulator.backends import partner
from bill_emulator.responses.answers import answer, done

create_organization = answer(partner.create_organization, body=True, status=201)
update_price_plan = done(
    partner.update_price_plan, "organizationId", body=True, payload={"status": "SUCCESS"}
)
add_risk_phone = done(partner.add_risk_phone, "userId", body=True)
create_user = answer(partner.create_user, body=True, status=201)
update_user = answer(partner.update_user, "userId", body=True)
