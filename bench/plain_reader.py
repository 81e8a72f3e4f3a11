"""A plain BILL reader to compare the connector with: requests + json, one line per record.

    python -m bench.plain_reader CONFIG.json stream1,stream2,...

It signs in once and walks every AP/AR list named on the command line (`max=100`, sorted on
updatedTime, `nextPage` followed as `page=`), one request at a time, and writes
`{"stream": ..., "data": ...}` per record to stdout (a line-item stream: one per line of each
document on its list's pages). Bank accounts are read per customer, as the
connector must, for the customers that have one (`hasBankAccount` not false), as the connector
does. No retries, no state, no schema: the least work that reads the same pages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
import yaml

MANIFEST = Path(__file__).resolve().parents[1] / "source_bill" / "manifest.yaml"


def endpoints() -> dict[str, str]:
    streams = yaml.safe_load(MANIFEST.read_text())["definitions"]["streams"]
    return {
        name: definition["$parameters"]["endpoint"]
        for name, definition in streams.items()
        if "endpoint" in definition.get("$parameters", {})
    }


def line_items() -> dict[str, tuple[str, str]]:
    """Line-item stream -> (its documents' field holding the lines, the key naming the document)."""
    streams = yaml.safe_load(MANIFEST.read_text())["definitions"]["streams"]
    return {
        name: (definition["$parameters"]["lines_field"], definition["$parameters"]["parent_key"])
        for name, definition in streams.items()
        if "lines_field" in definition.get("$parameters", {})
    }


class Reader:
    def __init__(self, config: dict[str, Any]) -> None:
        credentials = config["credentials"]
        self.root = config["base_url"].rstrip("/") + "/v3"
        self.http = requests.Session()
        body = {
            "username": credentials["username"],
            "password": credentials["password"],
            "organizationId": credentials["organization_id"],
            "devKey": credentials["dev_key"],
        }
        response = self.http.post(f"{self.root}/login", json=body, timeout=60)
        response.raise_for_status()
        self.organization_id = credentials["organization_id"]
        self.http.headers.update(
            {
                "devKey": credentials["dev_key"],
                "sessionId": response.json()["sessionId"],
                "Accept": "application/json",
            }
        )

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = self.http.get(self.root + path, params=params, timeout=60)
        response.raise_for_status()
        return json.loads(response.content)

    def pages(self, path: str, sort: bool = True) -> Iterator[list[dict[str, Any]]]:
        params = {"max": "100"}
        if sort:
            params["sort"] = "updatedTime:asc"
        while True:
            page = self.get(path, params)
            yield page.get("results") or []
            cursor = page.get("nextPage")
            if not cursor:
                return
            params["page"] = cursor


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[0]).read_text())
    streams = argv[1].split(",")
    paths, lines = endpoints(), line_items()
    reader = Reader(config)
    write = sys.stdout.write
    for stream in streams:
        batches: Iterator[list[dict[str, Any]]]
        if stream == "organization":
            batches = iter([[reader.get(f"/organizations/{reader.organization_id}")]])
        elif stream == "customer_bank_accounts":
            customer_ids = [
                c["id"]
                for page in reader.pages("/customers", sort=False)
                for c in page
                if c.get("hasBankAccount") is not False
            ]
            batches = (
                [{**account, "customerId": customer_id} for account in page]
                for customer_id in customer_ids
                for page in reader.pages(f"/customers/{customer_id}/bank-accounts", sort=False)
            )
        elif stream in lines:  # one record per line of the documents on each page
            field, key = lines[stream]
            batches = (
                [{**line, key: document.get("id")} for document in page for line in document.get(field) or []]
                for page in reader.pages(paths[stream])
            )
        else:
            batches = reader.pages(paths[stream], sort=not stream.startswith("recurring_"))
        for batch in batches:
            for record in batch:
                write(f'{{"type":"RECORD","record":{{"stream":"{stream}","data":{json.dumps(record)}}}}}\n')
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
