"""Funding accounts (/v3/funding-accounts): bank accounts and their users, card accounts and their users,
AP Cards and permissions."""

from __future__ import annotations

from bill_emulator.backends import funding
from bill_emulator.handlers import ORG, Call, Reply, list_body, page_payload


# -- bank accounts --------------------------------------------------------------------------------
def list_bank_accounts(call: Call) -> Reply:
    """Filter on id as `bankAccountId`, as BILL's example does."""
    return list_body(call, funding.BANK_ACCOUNTS, ORG)


def create_bank_account(call: Call) -> Reply:
    return Reply(201, funding.create_bank_account(call.ctx, call.body))


def get_bank_account(call: Call) -> Reply:
    return Reply(200, funding.get_bank_account(call.ctx, call.path["bankAccountId"]))


def update_bank_account(call: Call) -> Reply:
    return Reply(200, funding.update_bank_account(call.ctx, call.path["bankAccountId"], call.body))


def archive_bank_account(call: Call) -> Reply:
    return Reply(200, funding.archive_bank_account(call.ctx, call.path["bankAccountId"]))


def verify_bank_account(call: Call) -> Reply:
    return Reply(200, funding.verify_bank_account(call.ctx, call.path["bankAccountId"], call.body))


# -- bank account users ---------------------------------------------------------------------------
def list_bank_account_users(call: Call) -> Reply:
    """?currentUser=: every user of the organization's bank accounts, or only mine."""
    funding.settle_nominations(call.ctx)
    mine = funding.current_user(call.ctx, call.query)
    return list_body(call, funding.BANK_ACCOUNT_USERS, ORG, parent_id=mine)


def nominate_bank_account_user(call: Call) -> Reply:
    funding.nominate_bank_account_user(call.ctx, call.body)
    return Reply(200, {"status": "SUCCESS"})


def archive_bank_account_user(call: Call) -> Reply:
    return Reply(200, funding.archive_bank_account_user(call.ctx, call.path["bankAccountUserId"]))


# -- cards, AP Cards, permissions -----------------------------------------------------------------
def list_card_accounts(call: Call) -> Reply:
    return Reply(200, funding.list_card_accounts(call.ctx, call.query))


def get_card_account(call: Call) -> Reply:
    return Reply(200, funding.get_card_account(call.ctx, call.path["cardAccountId"]))


def list_card_account_users(call: Call) -> Reply:
    return Reply(200, raw=page_payload(funding.card_account_users_page(call.ctx, call.query)))


def card_funding_purposes(call: Call) -> Reply:
    return Reply(200, funding.card_funding_purposes(call.ctx, call.query))


def list_ap_cards(call: Call) -> Reply:
    return Reply(200, funding.list_ap_cards(call.ctx))


def permissions(call: Call) -> Reply:
    return Reply(200, funding.permissions(call.ctx))
