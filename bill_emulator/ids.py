"""BILL-style ids: a 3-character object prefix, a 2-digit shard and 15 alphanumerics (20 characters)."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable

_ALPHABET = string.ascii_letters + string.digits
# Maps each random byte to an alphanumeric (bytes.translate: one C call per id).
_BYTE_TO_CHAR = bytes((_ALPHABET[i % len(_ALPHABET)]).encode()[0] for i in range(256))

# Documented or observed prefixes (docs/emulator.md lists the sources); a few are assumed.
PREFIXES: dict[str, str] = {
    "organizations": "008",
    "users": "006",
    "roles": "0po",
    "vendors": "009",
    "bills": "00n",
    "invoices": "00e",
    "customers": "0cu",
    "receivable_payments": "0rp",
    "payments": "stp",
    "chart_of_accounts": "0ca",
    "bank_accounts": "bac",
    "customer_bank_accounts": "cba",
    "attachments": "att",
}


def seeded_ids(seed: str, shard: str) -> Callable[[str], str]:
    """A seeded id maker for bulk seeding: BILL-shaped ids without IdFactory's bookkeeping."""
    rng = random.Random(seed)

    def new(prefix: str) -> str:
        return prefix + shard + rng.randbytes(15).translate(_BYTE_TO_CHAR).decode()

    return new


class IdFactory:
    """Deterministic id generator for one emulator instance."""

    def __init__(self, seed: int | str, shard: int = 1) -> None:
        self._rng = random.Random(f"ids-{seed}")
        self._shard = shard
        self._issued: set[str] = set()

    def new(self, prefix: str) -> str:
        if len(prefix) != 3:
            raise ValueError(f"id prefix must be 3 characters: {prefix!r}")
        while True:
            tail = self._rng.randbytes(15).translate(_BYTE_TO_CHAR).decode()
            candidate = f"{prefix}{self._shard:02d}{tail}"
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate

    def uuid4(self) -> str:
        """A version-4 UUID drawn from this factory's seed (webhook subscription and event ids)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def token(self, length: int = 40) -> str:
        """An opaque secret-looking string (session ids, keys)."""
        return "".join(self._rng.choices(_ALPHABET, k=length))
