"""Spend & Expense users (/v3/spend/users)."""

from __future__ import annotations

from bill_emulator.backends.spend import users
from bill_emulator.handlers import Call, Reply, page_payload


def list_users(call: Call) -> Reply:
    return Reply(200, raw=page_payload(users.user_page(call.ctx, call.query)))


def create_user(call: Call) -> Reply:
    return Reply(200, users.create_user(call.ctx, call.body))


def get_current_user(call: Call) -> Reply:
    return Reply(200, users.get_current_user(call.ctx))


def get_user(call: Call) -> Reply:
    return Reply(200, users.get_user(call.ctx, call.path["userId"]))


def update_user(call: Call) -> Reply:
    return Reply(200, users.update_user(call.ctx, call.path["userId"], call.body))


def delete_user(call: Call) -> Reply:
    users.delete_user(call.ctx, call.path["userId"])
    return Reply(200)
