"""Spend & Expense users (/v3/spend/users)."""

from __future__ import annotations

from bill_emulator.backends.spend import users
from bill_emulator.responses.answers import answer, done, page_of

list_users = page_of(users.user_page)
create_user = answer(users.create_user, body=True)
get_current_user = answer(users.get_current_user)
get_user = answer(users.get_user, "userId")
update_user = answer(users.update_user, "userId", body=True)
delete_user = done(users.delete_user, "userId")
