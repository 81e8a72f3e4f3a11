"""Cards (/v3/spend/cards): issue, change, freeze, close, and the PAN token."""

from __future__ import annotations

from bill_emulator.backends.spend import cards
from bill_emulator.handlers import Call, Reply, page_payload


def list_cards(call: Call) -> Reply:
    return Reply(200, raw=page_payload(cards.card_page(call.ctx, call.query)))


def create_card(call: Call) -> Reply:
    return Reply(200, cards.create_card(call.ctx, call.body))


def get_card(call: Call) -> Reply:
    return Reply(200, cards.get_card(call.ctx, call.path["cardId"]))


def update_card(call: Call) -> Reply:
    return Reply(200, cards.update_card(call.ctx, call.path["cardId"], call.body))


def delete_card(call: Call) -> Reply:
    cards.delete_card(call.ctx, call.path["cardId"], call.query)
    return Reply(200)


def pan_jwt(call: Call) -> Reply:
    return Reply(200, cards.pan_jwt(call.ctx, call.path["cardId"]))


def freeze_card(call: Call) -> Reply:
    return Reply(200, cards.set_status(call.ctx, call.path["cardId"], "FROZEN"))


def unfreeze_card(call: Call) -> Reply:
    return Reply(200, cards.set_status(call.ctx, call.path["cardId"], "ACTIVATED"))
