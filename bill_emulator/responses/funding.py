"""Funding accounts (/v3/funding-accounts): bank accounts and their users, card accounts and their users,
AP Cards and permissions."""

from __future__ import annotations

from bill_emulator.backends import funding
from bill_emulator.handlers import ORG, Call, Reply, list_body
from bill_emulator.responses.answers import answer, done, page_of


# -- bank accounts --------------------------------------------------------------------------------
def list_bank_accounts(call: Call) -> Reply:
    """Filter on id as `bankAccountId`, as BILL's example does."""
    return list_body(call, funding.BANK_ACCOUNTS, ORG)


create_bank_account = answer(funding.create_bank_account, body=True, status=201)
get_bank_account = answer(funding.get_bank_account, "bankAccountId")
update_bank_account = answer(funding.update_bank_account, "bankAccountId", body=True)
archive_bank_account = answer(funding.archive_bank_account, "bankAccountId")
verify_bank_account = answer(funding.verify_bank_account, "bankAccountId", body=True)


# -- bank account users ---------------------------------------------------------------------------
def list_bank_account_users(call: Call) -> Reply:
    """?currentUser=: every user of the organization's bank accounts, or only mine."""
    funding.settle_nominations(call.ctx)
    mine = funding.current_user(call.ctx, call.query)
    return list_body(call, funding.BANK_ACCOUNT_USERS, ORG, parent_id=mine)


nominate_bank_account_user = done(
    funding.nominate_bank_account_user, body=True, payload={"status": "SUCCESS"}
)
archive_bank_account_user = answer(funding.archive_bank_account_user, "bankAccountUserId")

# -- cards, AP Cards, permissions -----------------------------------------------------------------
list_card_accounts = answer(funding.list_card_accounts, query=True)
get_card_account = answer(funding.get_card_account, "cardAccountId")
list_card_account_users = page_of(funding.card_account_users_page)
card_funding_purposes = answer(funding.card_funding_purposes, query=True)
list_ap_cards = answer(funding.list_ap_cards)
permissions = answer(funding.permissions)
