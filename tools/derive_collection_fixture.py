#!/usr/bin/env python3
"""Derive `tests_support/data/bill_collection.json` from BILL's official Postman collection.

The tests replay and compare against the collection's requests and example answers, but a clone of
this repository has nothing beside it. This tool keeps only the facts the tests use, in the
collection's own layout so that a reader of either reads both: per request its folder trail, name,
method, URL (raw, host, path, path variables, query), header names and values, request body (mode
and raw text) and each example answer's status code and body. Descriptions, scripts, auth blocks,
cookies, response headers and Postman's bookkeeping are left out.

    python tools/derive_collection_fixture.py [--collection PATH] [--check]

`--check` compares the committed fixture with what the collection gives and exits 1 on a
difference, 3 when the collection is not there (a clone without the development notes beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_COLLECTION = REPO.parent / "shared" / "bill-api" / "bill-v3-postman-collection.json"
FIXTURE = REPO / "tests_support" / "data" / "bill_collection.json"
#: Exit status of `--check` when the collection is not beside the repository.
NO_COLLECTION = 3


def _url(url: Any) -> dict[str, Any]:
    if not isinstance(url, Mapping):
        return {"raw": str(url or ""), "host": [], "path": []}
    kept: dict[str, Any] = {
        "raw": url.get("raw", ""),
        "host": list(url.get("host") or []),
        "path": list(url.get("path") or []),
    }
    if url.get("variable"):
        kept["variable"] = [{"key": v["key"], "value": v.get("value") or ""} for v in url["variable"]]
    if url.get("query"):
        kept["query"] = [
            {
                "key": q["key"],
                "value": q.get("value") or "",
                **({"disabled": True} if q.get("disabled") else {}),
            }
            for q in url["query"]
        ]
    return kept


def _request(request: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {
        "method": str(request.get("method", "GET")).upper(),
        "url": _url(request.get("url")),
        "header": [
            {
                "key": h["key"],
                "value": h.get("value") or "",
                **({"disabled": True} if h.get("disabled") else {}),
            }
            for h in request.get("header") or []
        ],
    }
    body = request.get("body") or {}
    if body.get("mode"):
        kept["body"] = {"mode": body["mode"], "raw": body.get("raw") or ""}
    return kept


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    if "item" in item:
        return {"name": item["name"], "item": [_item(child) for child in item["item"]]}
    return {
        "name": item["name"],
        "request": _request(item.get("request") or {}),
        "response": [
            {"code": response.get("code"), "body": response.get("body") or ""}
            for response in item.get("response") or []
        ],
    }


def derive(collection: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of `collection` the tests use (see the module doc)."""
    return {
        "source": "BILL v3 Postman collection (facts only: tools/derive_collection_fixture.py)",
        "item": [_item(folder) for folder in collection.get("item") or []],
    }


def render(facts: Mapping[str, Any]) -> str:
    return json.dumps(facts, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    parser.add_argument("--check", action="store_true", help="compare the committed fixture, write nothing")
    args = parser.parse_args(argv)
    if not args.collection.exists():
        print(f"BILL's Postman collection is not at {args.collection}", file=sys.stderr)
        return NO_COLLECTION
    text = render(derive(json.loads(args.collection.read_text(encoding="utf-8"))))
    if args.check:
        if not args.fixture.exists() or args.fixture.read_text(encoding="utf-8") != text:
            print(
                f"{args.fixture} differs from {args.collection}: run {Path(__file__).name}", file=sys.stderr
            )
            return 1
        print(f"{args.fixture.relative_to(REPO)} matches the collection")
        return 0
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    args.fixture.write_text(text, encoding="utf-8")
    print(f"wrote {args.fixture} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
