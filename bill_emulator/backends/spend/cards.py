"""S&E cards: list, create a vendor card, details, update, freeze/unfreeze, PAN JWT, delete with a reason.

A deleted card leaves the list for good; its details stay readable with status CLOSED and deletedReason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.backends.spend.common import (
    BUDGETS,
    CARDS,
    DELETED_CARDS,
    MEMBERS,
    USERS,
    find,
    new_id,
    new_uuid,
    present,
    require,
    save,
)
from bill_emulator.backends.spend.ledger import refresh
from bill_emulator.backends.spend.listing import ListSpec, shaped_page, spend_resource
from bill_emulator.errors import invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.query import Page
from bill_emulator.resources import EQ_IN, Field
from bill_emulator.timefmt import parse_date
from bill_emulator.validation import body_object, non_negative, optional_bool, optional_text

DELETE_REASONS = ("CANCELLED", "LOST", "STOLEN", "MISPLACED")
PAN_TOKEN_SECONDS = 300


def build_card(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    user, budget = data["user"], data["budget"]
    limit = data.get("limit")
    recurring_limit = data.get("recurringLimit")
    return {
        "id": data["id"],
        "uuid": data["uuid"],
        "name": data["name"],
        "userId": user["id"],
        "userUuid": user["uuid"],
        "budgetId": budget["id"],
        "budgetUuid": budget["uuid"],
        "lastFour": data.get("lastFour") or ctx.fake.digits(4),
        "validThru": data["validThru"],
        "expirationDate": data.get("expirationDate"),
        "status": data.get("status", "ACTIVATED"),
        "deletedReason": None,
        "type": data.get("type", "VIRTUAL"),
        "shareBudgetFunds": bool(data.get("shareBudgetFunds", False)),
        "recurring": data.get("recurring", recurring_limit is not None),
        "recurringLimit": recurring_limit,
        "currentPeriod": {"limit": limit, "spent": 0.0},
        "createdTime": data["createdTime"],
        "updatedTime": data.get("updatedTime") or data["createdTime"],
    }


def valid_thru(ctx: Context, years: int = 3) -> str:
    """Card expiry as printed on the card, MM/YY."""
    moment = ctx.clock.utcnow() + timedelta(days=365 * years)
    return moment.strftime("%m/%y")


CARDS_RESOURCE = spend_resource(
    CARDS,
    "Card",
    build_card,
    filters={
        "cardIds": Field("string", EQ_IN, path="id"),
        "userId": Field("string", EQ_IN),
        "budgetId": Field("string", EQ_IN),
        "status": Field("string", EQ_IN),
    },
    sorts=frozenset({"name", "status", "createdTime", "updatedTime"}),
)
SPEC = ListSpec(
    frozenset(CARDS_RESOURCE.filters), refs={"cardIds": CARDS, "userId": USERS, "budgetId": BUDGETS}
)


def _ref(body: dict[str, Any], name: str) -> str | None:
    """`userId` or `userUuid` (the guides use the UUID spelling)."""
    value = body.get(f"{name}Id", body.get(f"{name}Uuid"))
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise invalid_body(f"{name}Id: must not be blank")
    return value


def _spender(ctx: Context, budget: dict[str, Any], user: dict[str, Any]) -> None:
    if budget["retired"]:
        raise unprocessable("Cards cannot be issued on a retired budget.")
    row = ctx.store.get(MEMBERS, f"{budget['id']}.{user['id']}")
    if row is None or row.body["budgetRole"] == "OBSERVER":
        raise unprocessable("The card user must be an owner or member of the budget.")


def _limits(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("limit", "recurringLimit"):
        if name in body:
            fields[name] = None if body[name] is None else non_negative(body[name], name)
    if "expirationDate" in body:
        if body["expirationDate"] is None:
            fields["expirationDate"] = None
        else:
            try:
                fields["expirationDate"] = parse_date(str(body["expirationDate"]))
            except ValueError:
                raise invalid_body("expirationDate: must be a date in yyyy-MM-dd format") from None
    for name in ("shareBudgetFunds", "recurring"):
        value = optional_bool(body, name)
        if value is not None:
            fields[name] = value
    return fields


def card_page(ctx: Context, query: Mapping[str, str]) -> Page:
    return shaped_page(ctx, CARDS_RESOURCE, SPEC, query)


def create_card(ctx: Context, body: Any) -> dict[str, Any]:
    """POST /v3/spend/cards {name, userId, budgetId, limit, recurringLimit, expirationDate, shareBudgetFunds}."""
    body = body_object(body)
    name = optional_text(body, "name", required=True)
    user_ref, budget_ref = _ref(body, "user"), _ref(body, "budget")
    if not user_ref or not budget_ref:
        raise invalid_body(
            "; ".join(
                f"{n}: must not be blank"
                for n, v in (("userId", user_ref), ("budgetId", budget_ref))
                if not v
            )
        )
    user = require(ctx, USERS, user_ref, "User")
    budget = require(ctx, BUDGETS, budget_ref, "Budget")
    _spender(ctx, budget, user)
    fields = _limits(body)
    fields.pop("recurring", None)
    now = ctx.now()
    card = build_card(
        ctx,
        {
            **fields,
            "id": new_id(ctx, CARDS),
            "uuid": new_uuid(ctx),
            "name": name,
            "user": user,
            "budget": budget,
            "validThru": valid_thru(ctx),
            "createdTime": now,
        },
    )
    ctx.store.insert(CARDS, ctx.scope, card)
    return present(CARDS, card)


def _card(ctx: Context, ref: str, include_deleted: bool = False) -> dict[str, Any]:
    row = find(ctx, CARDS, ref) or (find(ctx, DELETED_CARDS, ref) if include_deleted else None)
    if row is None:
        raise not_found("Card", ref)
    return row.body


def get_card(ctx: Context, card_id: str) -> dict[str, Any]:
    return present(CARDS, _card(ctx, card_id, include_deleted=True))


def update_card(ctx: Context, card_id: str, body: Any) -> dict[str, Any]:
    card = _card(ctx, card_id)
    body = body_object(body)
    name = optional_text(body, "name")
    if name is not None:
        card["name"] = name
    budget_ref = _ref(body, "budget")
    if budget_ref:
        budget = require(ctx, BUDGETS, budget_ref, "Budget")
        _spender(ctx, budget, require(ctx, USERS, card["userId"], "User"))
        card["budgetId"], card["budgetUuid"] = budget["id"], budget["uuid"]
    fields = _limits(body)
    if "limit" in fields:
        card["currentPeriod"]["limit"] = fields.pop("limit")
    card.update(fields)
    save(ctx, CARDS, card)
    refresh(ctx)
    return present(CARDS, _card(ctx, card["id"]))


def set_status(ctx: Context, card_id: str, status: str) -> dict[str, Any]:
    """Freeze (FROZEN) or unfreeze (ACTIVATED) a card; the same status again changes nothing."""
    card = _card(ctx, card_id)
    if card["status"] != status:
        card["status"] = status
        save(ctx, CARDS, card)
    return present(CARDS, card)


def delete_card(ctx: Context, card_id: str, query: Mapping[str, str]) -> None:
    """DELETE /v3/spend/cards/{cardId}?reason=CANCELLED|LOST|STOLEN|MISPLACED."""
    reason = query.get("reason")
    if reason not in DELETE_REASONS:
        raise invalid_parameter(f"reason: must be one of {', '.join(DELETE_REASONS)}")
    card = _card(ctx, card_id)
    ctx.store.delete(CARDS, card["id"])
    card.update({"status": "CLOSED", "deletedReason": reason})
    card["updatedTime"] = max(ctx.now(), card["updatedTime"])
    ctx.store.insert(DELETED_CARDS, ctx.scope, card)


def pan_jwt(ctx: Context, card_id: str) -> dict[str, Any]:
    """GET /v3/spend/cards/{cardId}/pan-jwt: a JWT naming the card, valid for 5 minutes."""
    card = _card(ctx, card_id)
    issued = int(ctx.clock.now())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": card["uuid"], "cardId": card["id"], "iat": issued, "exp": issued + PAN_TOKEN_SECONDS}
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}"
    key = hashlib.sha256(f"pan-{ctx.scope}".encode()).digest()
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return {"token": f"{signing_input}.{_b64(signature)}"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
