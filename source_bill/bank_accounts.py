"""Customer bank accounts: asked only of the customers that have one.

BILL lists a customer's bank accounts only per customer (`GET /v3/customers/{id}/bank-accounts`),
so the stream walks every customer and asks once per customer: one request per customer on every
sync, most of them for an empty list, out of BILL's hourly budget of 20,000 requests per developer
key. A customer carries `hasBankAccount` (REFERENCE.md §4.2): the customers walk keeps a customer
unless that field is `false`, so a customer whose record has no such field (an older BILL), or
anything but `false`, is still asked.

What this assumes of BILL, and what it would cost if wrong: a customer with a bank account that BILL
lists says `hasBankAccount: true`. A customer whose accounts are all archived may say `false` (the
emulator does): its archived accounts are then no longer read, as a deleted account is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cdk.sources.declarative.extractors.record_filter import RecordFilter
from airbyte_cdk.sources.types import StreamSlice

HAS_BANK_ACCOUNT = "hasBankAccount"


def may_have_bank_account(customer: Mapping[str, Any]) -> bool:
    """False only for a customer that says it has no bank account."""
    return customer.get(HAS_BANK_ACCOUNT) is not False


@dataclass
class CustomersWithBankAccount(RecordFilter):
    """The customers walk of `customer_bank_accounts`: the customers to ask for bank accounts."""

    def filter_records(
        self,
        records: Iterable[Mapping[str, Any]],
        stream_state: Any,
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        return [record for record in records if may_have_bank_account(record)]
