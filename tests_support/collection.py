"""BILL's official Postman collection as the tests see it: the committed facts-only fixture.

`tools/derive_collection_fixture.py` writes it from the collection (and `--check`s it); nothing at
test or run time reads outside the repository.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLLECTION_FIXTURE = Path(__file__).resolve().parent / "data" / "bill_collection.json"


@functools.cache
def load_collection() -> dict[str, Any]:
    """The fixture: Postman's layout (`item` trees of requests and example `response`s), facts only."""
    return json.loads(COLLECTION_FIXTURE.read_text(encoding="utf-8"))


def requests_of(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every request item under `items`, depth first, in collection order."""
    for item in items:
        if "item" in item:
            yield from requests_of(item["item"])
        else:
            yield item


def folder(name: str) -> dict[str, Any]:
    """One top-level folder ("AP & AR", "Spend & Expense", ...)."""
    return next(f for f in load_collection()["item"] if f["name"] == name)
