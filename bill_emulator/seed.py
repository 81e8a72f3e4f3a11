"""Seeded data: a partner managing several organizations, each filled by the resource families in
dependency order; the main user reaches `settings.organizations` of them, the main one and the client
organizations of an accounting firm's Accountant Console, and the console. The same seed always
gives the same data."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bill_emulator.backends import (
    ap_history,
    classifications,
    credits,
    customers,
    funding,
    invoices,
    memberships,
    mfa,
    organizations,
    recurring,
    vendors,
)
from bill_emulator.backends.auth import CONSOLE_TOKEN, NO_API_ACCESS
from bill_emulator.backends.oauth import CLIENT, CLIENT_SPEND
from bill_emulator.backends.spend import seed as spend_seed
from bill_emulator.fake import Fake, parse_timestamp
from bill_emulator.ids import IdFactory
from bill_emulator.runtime import Runtime
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp

HISTORY_DAYS = 800
CONSOLE_HEAD_START = timedelta(days=30)  # the console organization is older than its clients

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
        if "oauth" not in credentials or "console" not in credentials:  # seeded by an older emulator
            with store.transaction():
                if "oauth" not in credentials:
                    developer_app_and_console_token(emulator, credentials)
                if "console" not in credentials:
                    memberships_and_console(emulator, credentials)
                store.set_meta("credentials", json.dumps(credentials))
        return credentials
    with store.transaction():
        credentials = _seed(emulator)
        developer_app_and_console_token(emulator, credentials)
        memberships_and_console(emulator, credentials)
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


def memberships_and_console(emulator: Runtime, credentials: dict[str, Any]) -> None:
    """The main user's other organizations: an accounting firm's Accountant Console organization, and
    as its client organizations every other seeded organization with API access (no console when
    there is no such organization: `credentials["console"]` is None). The user reaches
    each of them with the same username and password (a user object of their own in each, an
    ADMINISTRATOR), and the console API token of the main organization works in all of them.

    Drawn from generators of their own, so the seeded organizations' data stays as it was."""
    store = emulator.store
    seed = emulator.settings.seed
    ctx = replace(emulator.context(None), ids=IdFactory(f"console-{seed}"), fake=Fake(f"console-{seed}"))
    main = credentials["ap_ar"]
    main_org, username = main["organization_id"], main["username"]
    person_id = next(user for _p, _s, scope, user in store.credentials("user", username) if scope == main_org)
    person = store.get("users", person_id)
    org = store.get("organizations", main_org)
    assert person is not None and org is not None, "the main organization and its administrator are seeded"
    created = org.body["createdTime"]
    clients = [
        o["organization_id"]
        for o in credentials["organizations"]
        if o["api_access"] and o["organization_id"] != main_org
    ]
    if not clients:  # a user of one organization: no console either
        credentials["console"] = None
        return
    console = memberships.create_console(ctx, format_timestamp(parse_timestamp(created) - CONSOLE_HEAD_START))
    for organization_id in [*clients, console["id"]]:
        user_id = memberships.add_member(ctx, organization_id, person.body, created)
        store.add_credential("user", username, main["password"], scope=organization_id, user_id=user_id)
        store.add_credential(
            CONSOLE_TOKEN, username, main["console_api_token"], scope=organization_id, user_id=user_id
        )
    for organization_id in clients:
        memberships.add_client(ctx, organization_id, console["id"])
    credentials["console"] = {
        "organization_id": console["id"],
        "name": console["name"],
        "client_organization_ids": clients,
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
    reached = settings.user_organizations  # the main user's; one more without API access follows
    for index in range(reached + 1):
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
        no_api_access = index == reached
        if no_api_access:
            store.add_credential(NO_API_ACCESS, org_id, "", scope=org_id)
        main = index == 0
        plan = SeedPlan(
            ctx.with_scope(org_id),
            settings.invoice_count if main else settings.org_invoice_count,
            start,
            end,
            main,
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
