"""Seeded data: a partner managing several organizations, each filled by the resource families in
dependency order. The same seed always gives the same data."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bill_emulator.backends import (
    ap_history,
    classifications,
    credits,
    customers,
    funding,
    invoices,
    mfa,
    organizations,
    recurring,
    vendors,
)
from bill_emulator.backends.auth import CONSOLE_TOKEN
from bill_emulator.backends.oauth import CLIENT, CLIENT_SPEND
from bill_emulator.backends.spend import seed as spend_seed
from bill_emulator.runtime import Runtime
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp

HISTORY_DAYS = 800
SMALL_ORG_INVOICES = 40

# Families fill an organization in this order (later ones use ids from earlier ones via plan.refs).
FAMILIES: list[Callable[[SeedPlan], None]] = [
    classifications.seed,  # first: the chart of accounts other families refer to
    funding.seed,
    mfa.seed,
    customers.seed,
    invoices.seed,
    vendors.seed,
    ap_history.seed,  # bills with their approvals, documents, vendor credits and AP payments
    credits.seed,  # credit memos, some applied to open invoices
    recurring.seed,
]
# Families seeded once, for the main organization only (Spend & Expense).
MAIN_ONLY: list[Callable[[SeedPlan], None]] = [spend_seed.seed]


def _secret(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(length))


def seed_if_empty(emulator: Runtime) -> dict[str, Any]:
    """Fill a new database; on an existing file, keep its data and return its credentials."""
    store = emulator.store
    existing = store.meta("credentials")
    if existing:
        credentials = json.loads(existing)
        if "oauth" not in credentials:  # a database seeded before developer apps existed
            with store.transaction():
                developer_app_and_console_token(emulator, credentials)
                store.set_meta("credentials", json.dumps(credentials))
        return credentials
    with store.transaction():
        credentials = _seed(emulator)
        developer_app_and_console_token(emulator, credentials)
        store.set_meta("credentials", json.dumps(credentials))
    return credentials


def developer_app_and_console_token(emulator: Runtime, credentials: dict[str, Any]) -> None:
    """BILL's 2026 ways in, for the main organization: a developer app (OAuth client id and secret,
    created by its administrator, who is also the app's owner in Spend & Expense terms: the S&E
    company's API-token owner) and an Accountant Console API token for that administrator.

    Drawn from a generator of their own, so the other credentials and the data stay as they were."""
    store = emulator.store
    rng = random.Random(f"oauth-{emulator.settings.seed}")
    main = credentials["ap_ar"]
    org_id, username = main["organization_id"], main["username"]
    admin_id = next(user for _p, _s, scope, user in store.credentials("user", username) if scope == org_id)
    client_id, client_secret, console_token = _secret(rng, 24), _secret(rng, 48), _secret(rng, 40)
    store.add_credential(CLIENT, client_id, client_secret, scope=org_id, user_id=admin_id)
    for _token, _secret_value, company_id, spend_owner in store.credentials(
        "api_token", credentials["spend_expense"]["api_token"]
    ):
        store.add_credential(CLIENT_SPEND, client_id, "", scope=company_id, user_id=spend_owner)
    store.add_credential(CONSOLE_TOKEN, username, console_token, scope=org_id, user_id=admin_id)
    main["console_api_token"] = console_token
    credentials["oauth"] = {
        "client_id": client_id,
        "client_secret": client_secret,
        "organization_id": org_id,
    }


def _seed(emulator: Runtime) -> dict[str, Any]:
    settings = emulator.settings
    rng = random.Random(f"credentials-{settings.seed}")
    base = emulator.context(None)
    store = emulator.store
    end = emulator.clock.utcnow() - timedelta(minutes=5)
    start = end - timedelta(days=HISTORY_DAYS)
    org_created = format_timestamp(start - timedelta(days=30))

    dev_key = f"01{_secret(rng, 18)}"
    store.add_credential("dev_key", dev_key, "")
    partner_id = base.ids.new("0pa")
    app_key = _secret(rng, 24)
    partner_username, partner_password = "partner-admin", f"pp-{_secret(rng, 16)}"
    store.add_credential("app_key", app_key, "", scope=partner_id)
    store.add_credential("partner_user", partner_username, partner_password, scope=partner_id)

    orgs: list[dict[str, Any]] = []
    main_credentials: dict[str, Any] = {}
    for index in range(max(settings.organizations, 1)):
        org_id = base.ids.new("008")
        org = organizations.build_organization(
            base,
            {
                "id": org_id,
                "createdTime": org_created,
                "updatedTime": org_created,
                "partnerName": "Emulator Partner",
            },
        )
        store.insert("organizations", partner_id, org)
        ctx = base.with_scope(org_id)
        roles = organizations.seed_roles(ctx, org_created)
        admin_id = ctx.ids.new("006")
        admin = organizations.build_user(
            ctx,
            {
                "id": admin_id,
                "createdTime": org_created,
                "updatedTime": org_created,
                "role": {
                    "id": roles["ADMINISTRATOR"],
                    "type": "ADMINISTRATOR",
                    "description": "Administrator",
                },
            },
        )
        store.insert("users", org_id, admin)
        username = admin["email"]
        password = f"pw-{_secret(rng, 16)}"
        token_name, token = f"sync-{index + 1}", _secret(rng, 32)
        store.add_credential("user", username, password, scope=org_id, user_id=admin_id)
        store.add_credential("sync_token", token_name, token, scope=org_id, user_id=admin_id)
        no_api_access = index == 2
        if no_api_access:
            store.add_credential("no_api_access", org_id, "", scope=org_id)
        main = index == 0
        plan = SeedPlan(
            ctx.with_scope(org_id), settings.invoice_count if main else SMALL_ORG_INVOICES, start, end, main
        )
        plan.ctx.user_id = admin_id
        for family in FAMILIES:
            family(plan)
        if main:
            for family in MAIN_ONLY:
                family(plan)
            main_credentials = {
                "username": username,
                "password": password,
                "organization_id": org_id,
                "dev_key": dev_key,
                "sync_token_name": token_name,
                "sync_token": token,
            }
        orgs.append(
            {
                "organization_id": org_id,
                "name": org["name"],
                "username": username,
                "password": password,
                "sync_token_name": token_name,
                "sync_token": token,
                "api_access": not no_api_access,
            }
        )

    spend = [row for row in store.credentials("api_token")]
    return {
        "ap_ar": main_credentials,
        "partner": {
            "username": partner_username,
            "password": partner_password,
            "app_key": app_key,
            "partner_id": partner_id,
        },
        "spend_expense": {"api_token": spend[0][0] if spend else ""},
        "organizations": orgs,
    }
