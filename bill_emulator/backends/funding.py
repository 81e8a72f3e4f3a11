"""Funding accounts: the organization's bank accounts and their users, card accounts, AP Cards and the
funding permissions that follow from them (/v3/funding-accounts/...).

Bank account lifecycle: create (ADMINISTRATOR, MFA-trusted session) -> PENDING, with the creator as a
VERIFIED user of it; verify with the test deposit (sandbox amount 0.50) -> VERIFIED, three wrong amounts
-> INVALID. Only a VERIFIED account can be updated, get users nominated, or be archived (the signed-in
user must be a VERIFIED user of it). A nominated user completes identity verification in BILL's web
app; the emulator lets that happen IDENTITY_SECONDS after the nomination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bill_emulator.backends import generic
from bill_emulator.backends.context import Context
from bill_emulator.backends.mfa import require_admin, require_trusted
from bill_emulator.errors import invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.fake import parse_timestamp
from bill_emulator.query import Page
from bill_emulator.resources import EQ_NE_IN, SETS, Field, Resource, base_filters, register
from bill_emulator.seedplan import SeedPlan
from bill_emulator.timefmt import format_timestamp
from bill_emulator.validation import (
    body_object,
    boolean,
    json_number,
    not_text,
    reject_unknown,
    require_fields,
)

SANDBOX_DEPOSIT = 0.50
MAX_VERIFY_ATTEMPTS = 3
IDENTITY_SECONDS = 60.0
CARD_RATE = 2.9  # percent BILL charges for paying by card
BANK_NAMES = {
    "021000021": "JPMorgan Chase",
    "074000010": "Chase",
    "026009593": "Bank of America",
    "121000248": "Wells Fargo",
    "011000015": "Federal Reserve Bank",
    "122000247": "Wells Fargo",
    "091000019": "Wells Fargo",
    "121140399": "Silicon Valley Bank",
}
CARD_BRANDS = ("visa", "mastercard", "amex", "discover")
FUNDING_PURPOSES = (
    ("Professional Services", ("Legal services", "Accounting and bookkeeping", "Consulting", "Staffing")),
    ("Rent and Real Estate", ("Office rent", "Warehouse rent", "Property management")),
    ("Utilities", ("Electricity", "Water and sewer", "Internet and telephone")),
    ("Technology", ("Software subscriptions", "Cloud hosting", "Computer hardware")),
    ("Supplies and Materials", ("Office supplies", "Raw materials", "Packaging")),
    ("Travel and Transportation", ("Freight and shipping", "Airfare", "Lodging")),
    ("Marketing and Advertising", ("Online advertising", "Print advertising", "Events and sponsorships")),
)


def _mask(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


# -- bank accounts ------------------------------------------------------------------------------
def build_bank_account(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    routing = str(data.get("routingNumber") or "")
    return {
        "archived": bool(data.get("archived", False)),
        "id": data["id"],
        "status": data.get("status", "PENDING"),
        "createdBy": data.get("createdBy") or ctx.user_id or "",
        "routingNumber": routing,
        "accountNumber": _mask(str(data.get("accountNumber") or "")),
        "nameOnAccount": data.get("nameOnAccount", ""),
        "type": data.get("type", "CHECKING"),
        "ownerType": data.get("ownerType", "BUSINESS"),
        "bankName": data.get("bankName") or BANK_NAMES.get(routing, ""),
        "accessToAdmins": bool(data.get("accessToAdmins", False)),
        "default": {"payables": False, "receivables": False, **(data.get("default") or {})},
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "chartOfAccountId": data.get("chartOfAccountId"),
    }


_BANK_CREATE = {
    "nameOnAccount",
    "routingNumber",
    "accountNumber",
    "type",
    "ownerType",
    "bankName",
    "accessToAdmins",
}
_BANK_UPDATE = {"nameOnAccount", "ownerType", "bankName", "accessToAdmins", "default", "chartOfAccountId"}
_BANK_FIXED = {"routingNumber", "accountNumber", "type"}


def validate_bank_account(
    ctx: Context, body: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    creating = existing is None
    if not creating:
        fixed = sorted(_BANK_FIXED & set(body))
        if fixed:
            raise invalid_body(
                f"{', '.join(fixed)}: cannot be updated. Create a new bank account with POST "
                "/v3/funding-accounts/banks instead."
            )
    allowed = (_BANK_CREATE | {"chartOfAccountId"}) if creating else _BANK_UPDATE
    reject_unknown(body, allowed)
    if creating:
        require_fields(body, ("nameOnAccount", "routingNumber", "accountNumber"))
        routing, number = str(body["routingNumber"]), str(body["accountNumber"])
        if not routing.isdigit() or len(routing) != 9:
            raise invalid_body("routingNumber: must be 9 digits")
        if not number.isdigit() or not 4 <= len(number) <= 17:
            raise invalid_body("accountNumber: must be 4 to 17 digits")
    for key in ("nameOnAccount", "bankName"):
        if key in body and (
            not isinstance(body[key], str) or (key == "nameOnAccount" and not body[key].strip())
        ):
            raise invalid_body(f"{key}: must be a non-blank string")
    if "type" in body and body["type"] not in ("CHECKING", "SAVINGS"):
        raise invalid_body("type: must be CHECKING or SAVINGS")
    if "ownerType" in body and body["ownerType"] not in ("BUSINESS", "PERSONAL"):
        raise invalid_body("ownerType: must be BUSINESS or PERSONAL")
    if "accessToAdmins" in body:
        boolean(body["accessToAdmins"], "accessToAdmins")
    if "default" in body:
        default = body["default"]
        if not isinstance(default, dict) or set(default) - {"payables", "receivables"}:
            raise invalid_body("default: must be an object with payables and receivables")
        if not all(isinstance(v, bool) for v in default.values()):
            raise invalid_body("default: payables and receivables must be true or false")
    if body.get("chartOfAccountId") is not None:
        row = ctx.store.get("chart_of_accounts", str(body["chartOfAccountId"]))
        if row is None or row.scope != ctx.scope:
            raise invalid_body(
                f"chartOfAccountId: chart of accounts {body['chartOfAccountId']} does not exist."
            )
    return dict(body)


BANK_ACCOUNTS = register(
    Resource(
        "bank_accounts",
        "Bank account",
        "bac",
        build_bank_account,
        validate=validate_bank_account,
        filters=base_filters(
            bankAccountId=Field("string", EQ_NE_IN, path="id"),
            status=Field("string", SETS),
            type=Field("string", SETS),
            ownerType=Field("string", SETS),
            chartOfAccountId=Field("string", EQ_NE_IN),
        ),
        sorts=frozenset(
            {"archived", "nameOnAccount", "bankName", "accessToAdmins", "createdTime", "updatedTime"}
        ),
    )
)


def create_bank_account(ctx: Context, body: Any) -> dict[str, Any]:
    """An ADMINISTRATOR on an MFA-trusted session adds one; its status starts PENDING."""
    require_admin(ctx)
    require_trusted(ctx)
    account = generic.create(ctx, BANK_ACCOUNTS, body_object(body))
    # The creating administrator proved who they are (MFA-trusted session): a verified user of it.
    generic.create(
        ctx,
        BANK_ACCOUNT_USERS,
        {"bankAccountId": account["id"], "userId": ctx.user_id, "verificationStatus": "VERIFIED"},
        parent_id=ctx.user_id,
    )
    return account


def get_bank_account(ctx: Context, account_id: str) -> dict[str, Any]:
    return generic.get(ctx, BANK_ACCOUNTS, account_id)


def _usable(account: dict[str, Any], action: str) -> None:
    if account["archived"]:
        raise unprocessable(f"Bank account {account['id']} is archived.")
    if account["status"] != "VERIFIED":
        raise unprocessable(
            f"The bank account status must be VERIFIED before you can {action}. Verify it with "
            f"POST /v3/funding-accounts/banks/{account['id']}/verify."
        )


def _one_default(ctx: Context, account: dict[str, Any]) -> None:
    """An organization has at most one default payables and one default receivables account."""
    for flag in ("payables", "receivables"):
        if not account["default"][flag]:
            continue
        for row in ctx.store.find("bank_accounts", ctx.scope):
            other = row.body
            if other["id"] != account["id"] and other["default"][flag]:
                other["default"][flag] = False
                generic.save(ctx, BANK_ACCOUNTS, other)


def update_bank_account(ctx: Context, account_id: str, body: Any) -> dict[str, Any]:
    """VERIFIED accounts only; routing and account numbers and type never change."""
    account = generic.get(ctx, BANK_ACCOUNTS, account_id)
    if isinstance(body, dict):
        validate_bank_account(ctx, body, account)  # field errors first (400), then state (422)
    _usable(account, "update it")
    updated = generic.update(ctx, BANK_ACCOUNTS, account["id"], body)
    _one_default(ctx, updated)
    return updated


def archive_bank_account(ctx: Context, account_id: str) -> dict[str, Any]:
    """The account and the signed-in user's access to it must be VERIFIED."""
    account = generic.get(ctx, BANK_ACCOUNTS, account_id)
    if account["archived"]:
        return account
    _usable(account, "archive it")
    _settle_users(ctx)
    mine = [
        r.body
        for r in ctx.store.find("bank_account_users", ctx.scope, ctx.user_id or "")
        if r.body["bankAccountId"] == account["id"] and not r.body["archived"]
    ]
    if not any(u["verificationStatus"] == "VERIFIED" for u in mine):
        raise unprocessable(
            "The signed-in user must be a VERIFIED user of this bank account. Nominate the user with "
            "POST /v3/funding-accounts/banks/users/nominate."
        )
    account["archived"] = True
    account["default"] = {"payables": False, "receivables": False}
    return generic.save(ctx, BANK_ACCOUNTS, account)


def verify_bank_account(ctx: Context, account_id: str, body: Any) -> dict[str, Any]:
    """{depositAmount}: the test deposit (0.50 in the sandbox) -> {verified}."""
    account = generic.get(ctx, BANK_ACCOUNTS, account_id)
    amount = json_number(body.get("depositAmount") if isinstance(body, dict) else None, "depositAmount")
    if account["archived"]:
        raise unprocessable(f"Bank account {account['id']} is archived.")
    if account["status"] == "VERIFIED":
        return {"verified": True}
    if account["status"] == "INVALID":
        raise unprocessable("Bank account verification failed three times. Add the bank account again.")
    if abs(float(amount) - SANDBOX_DEPOSIT) < 0.005:
        account["status"] = "VERIFIED"
        generic.save(ctx, BANK_ACCOUNTS, account)
        return {"verified": True}
    key = f"bank-verify-attempts:{account['id']}"
    attempts = int(ctx.store.meta(key) or "0") + 1
    ctx.store.set_meta(key, str(attempts))
    if attempts >= MAX_VERIFY_ATTEMPTS:
        account["status"] = "INVALID"
        generic.save(ctx, BANK_ACCOUNTS, account)
    return {"verified": False}


# -- bank and card account users ------------------------------------------------------------
def _account_users(kind: str, label: str, prefix: str, account_field: str) -> Resource:
    """The users of a bank or card account (`account_field` names the account): each one nominated, then
    VERIFIED once their identity is; their parent is the user."""

    def build(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": data["id"],
            account_field: data[account_field],
            "userId": data["userId"],
            "archived": bool(data.get("archived", False)),
            "verificationStatus": data.get("verificationStatus", "NOMINATED"),
            "createdTime": data["createdTime"],
            "updatedTime": data["updatedTime"],
        }

    return register(
        Resource(
            kind,
            label,
            prefix,
            build,
            filters=base_filters(
                **{account_field: Field("string", EQ_NE_IN)},
                userId=Field("string", EQ_NE_IN),
                verificationStatus=Field("string", SETS),
            ),
            sorts=frozenset({"archived", "createdTime", "updatedTime"}),
            parent_field="userId",
        )
    )


BANK_ACCOUNT_USERS = _account_users("bank_account_users", "Bank account user", "bau", "bankAccountId")


def _settle_users(ctx: Context) -> None:
    """Nominated users finish identity verification IDENTITY_SECONDS after their nomination."""
    now = ctx.clock.now()
    due = ctx.store.execute(
        "SELECT body FROM records WHERE kind = 'bank_account_users' AND scope = ? AND archived = 0"
        " AND json_extract(body, '$.verificationStatus') = 'NOMINATED'",
        (ctx.scope,),
    )
    for (raw,) in due:
        user = orjson.loads(raw)
        if parse_timestamp(user["updatedTime"]).timestamp() + IDENTITY_SECONDS <= now:
            user["verificationStatus"] = "VERIFIED"
            generic.save(ctx, BANK_ACCOUNT_USERS, user)


def settle_nominations(ctx: Context) -> None:
    """_settle_users for a read (a transaction of its own; writes run in one already)."""
    with ctx.store.transaction():
        _settle_users(ctx)


def current_user(ctx: Context, query: Mapping[str, str]) -> str | None:
    """`?currentUser=true` lists the signed-in user's account users only (their parent is the user)."""
    value = (query.get("currentUser") or "false").lower()
    if value not in ("true", "false"):
        raise invalid_parameter("currentUser must be true or false.")
    return ctx.user_id if value == "true" else None


def nominate_bank_account_user(ctx: Context, body: Any) -> None:
    """{bankAccountId, userId}: the user must verify their identity next."""
    body = body_object(body)
    require_fields(body, ("bankAccountId", "userId"), blank=not_text)
    account = generic.get(ctx, BANK_ACCOUNTS, body["bankAccountId"])
    user = ctx.store.get("users", body["userId"])
    if user is None or user.scope != ctx.scope or user.body.get("archived"):
        raise not_found("User", body["userId"])
    _usable(account, "nominate bank account users")
    _settle_users(ctx)
    existing = [
        r.body
        for r in ctx.store.find("bank_account_users", ctx.scope, user.id)
        if r.body["bankAccountId"] == account["id"]
    ]
    if any(not u["archived"] and u["verificationStatus"] == "VERIFIED" for u in existing):
        raise unprocessable(f"User {user.id} is already a verified user of bank account {account['id']}.")
    if existing:  # nominate again: the same bank account user comes back
        again = existing[0]
        again.update(archived=False, verificationStatus="NOMINATED")
        generic.save(ctx, BANK_ACCOUNT_USERS, again)
    else:
        generic.create(
            ctx,
            BANK_ACCOUNT_USERS,
            {"bankAccountId": account["id"], "userId": user.id, "verificationStatus": "NOMINATED"},
            parent_id=user.id,
        )


def archive_bank_account_user(ctx: Context, user_id: str) -> dict[str, Any]:
    """Archived, verificationStatus UNVERIFIED."""
    _settle_users(ctx)
    user = generic.get(ctx, BANK_ACCOUNT_USERS, user_id)
    user.update(archived=True, verificationStatus="UNVERIFIED")
    return generic.save(ctx, BANK_ACCOUNT_USERS, user)


def funding_banks(ctx: Context) -> list[dict[str, Any]]:
    """The organization's bank accounts that can fund payments ({id, name, verified})."""
    rows = [r for r in ctx.store.find("bank_accounts", ctx.scope) if not r.body.get("archived")]
    if rows:
        return [
            {
                "id": r.id,
                "name": f"{r.body.get('bankName') or 'Bank account'} ...{str(r.body.get('accountNumber') or '')[-4:]}",
                "verified": r.body.get("status") not in ("NOT_VERIFIED", "PENDING"),
            }
            for r in rows
        ]
    fallback = ctx.store.meta(f"ap-funding:{ctx.scope}")
    return [{"id": fallback, "name": "Operating account ...4321", "verified": True}] if fallback else []


# -- card accounts -----------------------------------------------------------------------------
def build_card_account(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "archived": bool(data.get("archived", False)),
        "id": data["id"],
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "createdBy": data.get("createdBy") or ctx.user_id or "",
        "issuingBankName": data.get("issuingBankName", ""),
        "nameOnAccount": data.get("nameOnAccount", ""),
        "brand": data.get("brand", "visa"),
        "type": data.get("type", "CREDIT_CARD"),
        "status": data.get("status", "VERIFIED"),
        "last4": data.get("last4", ""),
        "expiration": data.get("expiration") or {"year": "", "month": ""},
        "default": {
            "payables": False,
            "receivables": False,
            "funding": False,
            "disbursement": False,
            **(data.get("default") or {}),
        },
    }


CARD_ACCOUNTS = register(Resource("card_accounts", "Card account", "cca", build_card_account))

CARD_ACCOUNT_USERS = _account_users("card_account_users", "Card account user", "ccu", "cardAccountId")
_CARD_USER_FIELDS = ("cardAccountId", "userId", "archived", "verificationStatus")


def list_card_accounts(ctx: Context, query: Mapping[str, str]) -> dict[str, Any]:
    """`?cardUserStatus=VERIFIED|NOMINATED`: the cards the signed-in user may pay with, plus rates."""
    status = query.get("cardUserStatus")
    if status not in ("VERIFIED", "NOMINATED"):
        raise invalid_parameter("cardUserStatus is required and can only be one of VERIFIED,NOMINATED.")
    mine = {
        r.body["cardAccountId"]
        for r in ctx.store.find("card_account_users", ctx.scope, ctx.user_id or "")
        if not r.body["archived"] and r.body["verificationStatus"] == status
    }
    cards = [r.body for r in ctx.store.find("card_accounts", ctx.scope)]
    default = next((c["id"] for c in cards if c["default"]["payables"] and not c["archived"]), None)
    return {
        "rates": {
            "defaultCardAccountId": default,
            "funding": {"creditCardRate": CARD_RATE, "debitCardRate": CARD_RATE},
            "activePromotion": None,
        },
        "cards": [c for c in cards if c["id"] in mine],
    }


def get_card_account(ctx: Context, account_id: str) -> dict[str, Any]:
    return generic.get(ctx, CARD_ACCOUNTS, account_id)


def card_account_users_page(ctx: Context, query: Mapping[str, str]) -> Page:
    """`?currentUser=`: card account users carry no id or times of their own."""
    page = generic.list_page(ctx, CARD_ACCOUNT_USERS, query, parent_id=current_user(ctx, query))
    bodies = [orjson.dumps({k: orjson.loads(b)[k] for k in _CARD_USER_FIELDS}).decode() for b in page.bodies]
    return Page(bodies, page.next_token, page.prev_token)


def card_funding_purposes(ctx: Context, query: Mapping[str, str]) -> dict[str, Any] | None:
    """`?vendorId=&brand=`: nothing (an empty 200) when BILL knows the vendor's industry."""
    vendor_id, brand = query.get("vendorId"), (query.get("brand") or "").lower()
    if not vendor_id or not brand:
        raise invalid_parameter("vendorId and brand are required.")
    if brand not in CARD_BRANDS:
        raise invalid_parameter(f"brand must be one of {', '.join(CARD_BRANDS)}.")
    vendor = ctx.store.get("vendors", vendor_id)
    if vendor is None or vendor.scope != ctx.scope:
        raise not_found("Vendor", vendor_id)
    if vendor.body.get("networkStatus") == "CONNECTED_RPPS":  # a national biller: industry on file
        return None
    return {
        "lastUsedPurpose": ctx.store.meta(f"card-funding-purpose:{vendor_id}"),
        "results": [{"category": c, "subCategories": list(subs)} for c, subs in FUNDING_PURPOSES],
    }


# -- AP Cards and permissions ------------------------------------------------------------------
def build_ap_card(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data["id"],
        "status": data.get("status", "ACTIVE"),
        "nameOnAccount": data.get("nameOnAccount", ""),
        "createdTime": data["createdTime"],
        "updatedTime": data["updatedTime"],
        "balance": float(data.get("balance", 0.0)),
        "limit": float(data.get("limit", 0.0)),
    }


AP_CARDS = register(Resource("ap_cards", "AP Card", "apc", build_ap_card))


def list_ap_cards(ctx: Context) -> list[dict[str, Any]]:
    """A plain array (no paging)."""
    return [r.body for r in ctx.store.find("ap_cards", ctx.scope)]


def permissions(ctx: Context) -> dict[str, Any]:
    """What the organization and the signed-in user may fund payments with."""
    settle_nominations(ctx)
    verified_banks = {
        r.id
        for r in ctx.store.find("bank_accounts", ctx.scope)
        if r.body["status"] == "VERIFIED" and not r.body["archived"]
    }
    pay_online = any(
        r.body["bankAccountId"] in verified_banks and r.body["verificationStatus"] == "VERIFIED"
        for r in ctx.store.find("bank_account_users", ctx.scope, ctx.user_id or "")
        if not r.body["archived"]
    )
    cards = [r.body for r in ctx.store.find("card_accounts", ctx.scope) if not r.body["archived"]]
    usable = [c for c in cards if c["status"] == "VERIFIED"]
    return {
        "organization": {
            "card": {
                "payByCard": bool(cards),
                "fundingEnabled": bool(usable),
                "amexAllowed": any(c["brand"] == "amex" for c in usable),
            },
            "wallet": {"fundingEnabled": False},
        },
        "user": {"payOnline": pay_online},
    }


# -- seed --------------------------------------------------------------------------------------
def seed(plan: SeedPlan) -> None:
    """An operating checking account (default for payables and receivables) per organization, sometimes a
    savings account; a company credit card; an AP Card for most. The administrator is a verified user."""
    ctx, f = plan.ctx, plan.ctx.fake
    admin = ctx.user_id or ""
    org = ctx.store.get("organizations", ctx.scope)
    company = org.body["name"] if org else f.company()
    by_number = plan.extra.get("chart_of_accounts_by_number", {})
    opened = plan.start.timestamp() - 28 * 24 * 3600

    def stamps(index: int) -> dict[str, str]:
        moment = format_timestamp(opened + index * 3600 + f.integer(0, 3000))
        return {"createdTime": moment, "updatedTime": moment}

    def verified_admin(users: Resource, account_field: str, account_id: str, index: int) -> dict[str, Any]:
        """The administrator as a VERIFIED user of one account."""
        return users.build(
            ctx,
            {
                "id": ctx.ids.new(users.prefix),
                account_field: account_id,
                "userId": admin,
                "verificationStatus": "VERIFIED",
                **stamps(index),
            },
        )

    routing = f.choice(("021000021", "026009593", "121000248", "121140399"))

    def bank_account(index: int, **details: Any) -> dict[str, Any]:
        """A VERIFIED bank account in the company's name, added by the administrator."""
        return build_bank_account(
            ctx,
            {
                "id": ctx.ids.new("bac"),
                "status": "VERIFIED",
                "createdBy": admin,
                "routingNumber": routing,
                "accountNumber": f.digits(10),
                "nameOnAccount": company,
                **details,
                **stamps(index),
            },
        )

    banks = [
        bank_account(
            0,
            accessToAdmins=True,
            default={"payables": True, "receivables": True},
            chartOfAccountId=by_number.get("1000"),
        )
    ]
    if f.chance(0.5):
        banks.append(bank_account(1, type="SAVINGS", chartOfAccountId=by_number.get("1010")))
    ctx.store.insert_many("bank_accounts", ctx.scope, banks)
    bank_users = [verified_admin(BANK_ACCOUNT_USERS, "bankAccountId", b["id"], 2) for b in banks]
    ctx.store.insert_many("bank_account_users", ctx.scope, bank_users, parent_id=admin)

    expires = plan.end.year + f.integer(1, 4)
    card = build_card_account(
        ctx,
        {
            "id": ctx.ids.new("cca"),
            "createdBy": admin,
            "issuingBankName": f.choice(("JPMorgan Chase", "Capital One", "Citibank", "American Express")),
            "nameOnAccount": company,
            "brand": "visa",
            "type": "CREDIT_CARD",
            "status": "VERIFIED",
            "last4": f.digits(4),
            "expiration": {"year": str(expires), "month": f"{f.integer(1, 12):02d}"},
            "default": {"payables": True},
            **stamps(3),
        },
    )
    card["brand"] = "amex" if card["issuingBankName"] == "American Express" else "visa"
    ctx.store.insert("card_accounts", ctx.scope, card)
    ctx.store.insert(
        "card_account_users",
        ctx.scope,
        verified_admin(CARD_ACCOUNT_USERS, "cardAccountId", card["id"], 4),
        parent_id=admin,
    )
    if plan.main or f.chance(0.5):
        moment = f.moment_between(plan.start, plan.end)
        limit = float(f.choice((25_000, 50_000, 100_000)))
        ctx.store.insert(
            "ap_cards",
            ctx.scope,
            build_ap_card(
                ctx,
                {
                    "id": ctx.ids.new("apc"),
                    "status": "ACTIVE",
                    "nameOnAccount": company,
                    "balance": f.money(0, limit * 0.4),
                    "limit": limit,
                    "createdTime": format_timestamp(moment),
                    "updatedTime": format_timestamp(f.moment_between(moment, plan.end)),
                },
            ),
        )
    plan.refs["bank_accounts"] = [b["id"] for b in banks]
    plan.refs["card_accounts"] = [card["id"]]
