"""Cards (/v3/spend/cards): issue, change, freeze, close, and the PAN token."""

from __future__ import annotations

from bill_emulator.backends.spend import cards
from bill_emulator.handlers import Call, Reply
from bill_emulator.responses.answers import answer, done, page_of

list_cards = page_of(cards.card_page)
create_card = answer(cards.create_card, body=True)
get_card = answer(cards.get_card, "cardId")
update_card = answer(cards.update_card, "cardId", body=True)
delete_card = done(cards.delete_card, "cardId", query=True)
pan_jwt = answer(cards.pan_jwt, "cardId")


def freeze_card(call: Call) -> Reply:
    return Reply(200, cards.set_status(call.ctx, call.path["cardId"], "FROZEN"))


def unfreeze_card(call: Call) -> Reply:
    return Reply(200, cards.set_status(call.ctx, call.path["cardId"], "ACTIVATED"))
