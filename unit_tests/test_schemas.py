"""Schemas cover every field of BILL's official collection examples, correctly typed and nullable.

Field sets are re-derived here from the collection (its facts-only fixture, `tests_support/data/`),
independently of
`tools/generate_schemas.py`, starting from the request path each stream really uses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from source_bill.client.pagination import cursor_param
from tests_support.collection import load_collection

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "source_bill" / "schemas"
MANIFEST = yaml.safe_load((REPO / "source_bill" / "manifest.yaml").read_text())
STREAM_DEFINITIONS = MANIFEST["definitions"]["streams"]

#: Streams whose records come from a detail endpoint or another object's example.
DETAIL_PATHS = {
    "organization": "/v3/organizations/:organizationId",
    "customer_bank_accounts": "/v3/funding-accounts/banks",
}
#: Fields the connector adds to records (not in BILL's answer).
CONNECTOR_FIELDS = {
    "customer_bank_accounts": {"customerId"},
    "partner_users": {"organizationId"},
    "partner_roles": {"organizationId"},
}


def _discoverable() -> set[str]:
    """The stream definitions the manifest's top-level `streams` list (not parents, not variants)."""
    return {ref["$ref"].rsplit("/", 1)[1] for block in MANIFEST["streams"] for ref in block["streams"]}


def _stream_paths() -> dict[str, str]:
    paths = {}
    discoverable = _discoverable()
    for name, definition in STREAM_DEFINITIONS.items():
        parameters = definition.get("$parameters", {})
        if parameters.get("name") != name or name not in discoverable:
            continue
        paths[name] = DETAIL_PATHS.get(name, "/v3" + parameters["endpoint"])
    return paths


STREAM_PATHS = _stream_paths()
#: Line-item streams: (the parent's field holding the lines, the parent-id key each line gets).
LINE_ITEMS = {
    name: (definition["$parameters"]["lines_field"], definition["$parameters"]["parent_key"])
    for name, definition in STREAM_DEFINITIONS.items()
    if "lines_field" in definition.get("$parameters", {})
}


def _primary_key(name: str) -> str:
    """The stream's primary key field in the manifest (following `$ref`s to its template)."""
    definition: dict[str, Any] = STREAM_DEFINITIONS[name]
    while "primary_key" not in definition:
        node: Any = MANIFEST
        for part in definition["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        definition = node
    (key,) = definition["primary_key"]
    return key


@pytest.fixture(scope="module")
def examples() -> dict[str, list[Any]]:
    collection = load_collection()
    found: dict[str, list[Any]] = {}

    def walk(items):
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            request = item["request"]
            if request["method"] != "GET":
                continue
            raw = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
            path = raw.replace("{{baseUrl}}", "").split("?")[0]
            for response in item.get("response", []):
                if response.get("code") == 200 and response.get("body"):
                    found.setdefault(path, []).append(json.loads(response["body"]))

    walk(collection["item"])
    return found


def _records(bodies: list[Any], stream: str | None = None) -> list[dict[str, Any]]:
    records = []
    for body in bodies:
        records.extend(body["results"] if isinstance(body, dict) and "results" in body else [body])
    if stream in LINE_ITEMS:  # a line-item record: one line, its parent's id and updatedTime
        lines_field, parent_key = LINE_ITEMS[stream]
        return [
            {**line, parent_key: parent["id"], "updatedTime": parent.get("updatedTime")}
            for parent in records
            for line in parent.get(lines_field) or []
        ]
    return records


def _field_paths(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every field in an example value (`[]` marks array items)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= _field_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            paths |= _field_paths(child, prefix + "[]")
    return paths


def _schema_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, child in (schema.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        paths.add(path)
        paths |= _schema_paths(child, path)
    if isinstance(schema.get("items"), dict):
        paths |= _schema_paths(schema["items"], prefix + "[]")
    return paths


def _load(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{stream}.json").read_text())


def test_given_manifest_streams_then_one_schema_file_each_and_no_stray_files():
    assert {p.stem for p in SCHEMAS.glob("*.json")} == set(STREAM_PATHS)


@pytest.mark.parametrize("stream", sorted(STREAM_PATHS))
def test_given_collection_examples_when_compared_then_schema_covers_every_field(stream, examples):
    path = STREAM_PATHS[stream]
    assert path in examples, f"the collection has no GET example for {path}"
    records = _records(examples[path], stream)
    assert records, f"the collection's examples hold no {stream}"
    expected = set().union(*(_field_paths(r) for r in records))
    covered = _schema_paths(_load(stream))
    assert expected - covered == set()
    assert CONNECTOR_FIELDS.get(stream, set()) <= covered


@pytest.mark.parametrize("stream", sorted(STREAM_PATHS))
def test_given_collection_examples_when_validated_then_every_record_fits_the_schema(stream, examples):
    validator = jsonschema.Draft7Validator(_load(stream))
    for record in _records(examples[STREAM_PATHS[stream]], stream):
        errors = [e.message for e in validator.iter_errors(record)]
        assert errors == []


def test_given_spend_expense_streams_then_keyed_on_uuid_and_the_others_on_id():
    keys = {name: _primary_key(name) for name in STREAM_PATHS}
    assert {name for name, key in keys.items() if key == "uuid"} == {
        n for n in STREAM_PATHS if n.startswith("spend_")
    }
    assert {key for name, key in keys.items() if not name.startswith("spend_")} == {"id"}


@pytest.mark.parametrize("stream", sorted(STREAM_PATHS))
def test_given_schema_then_nullable_everywhere_except_the_primary_key(stream):
    schema = _load(stream)
    key = _primary_key(stream)
    assert schema["properties"][key] == {"type": "string"}
    assert schema["required"] == [key]

    def check(node: dict[str, Any], where: str) -> None:
        for name, child in (node.get("properties") or {}).items():
            kind = child.get("type")
            if where == "" and name == key:
                continue
            if kind is not None:
                assert isinstance(kind, list) and "null" in kind and len(kind) == 2, (
                    f"{stream}:{where}{name} {kind}"
                )
            check(child, f"{where}{name}.")
        if isinstance(node.get("items"), dict):
            check(node["items"], f"{where}[].")

    check(schema, "")


@pytest.mark.parametrize("stream", sorted(STREAM_PATHS))
def test_given_schema_then_records_with_nulls_and_omissions_still_validate(stream):
    schema = _load(stream)
    key = _primary_key(stream)
    validator = jsonschema.Draft7Validator(schema)
    record = {name: None for name in schema["properties"]}
    record[key] = "x"
    assert list(validator.iter_errors(record)) == []
    assert list(validator.iter_errors({key: "x"})) == []


def test_given_typed_fields_then_bill_types_are_kept():
    invoices = _load("invoices")["properties"]
    assert invoices["totalAmount"]["type"] == ["number", "null"]
    assert invoices["updatedTime"]["format"] == "date-time"
    assert invoices["dueDate"]["format"] == "date"
    assert invoices["archived"]["type"] == ["boolean", "null"]
    assert invoices["invoiceLineItems"]["items"]["properties"]["quantity"]["type"] == ["number", "null"]
    recurring = _load("recurring_bills")["properties"]
    assert recurring["schedule"]["properties"]["frequency"]["type"] == ["integer", "null"]


def test_given_committed_schemas_when_regenerated_then_identical():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "generate_schemas.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_given_manifest_paginators_then_cursor_param_matches_bills_rule():
    definitions = MANIFEST["definitions"]
    assert definitions["paginator"]["page_token_option"]["field_name"] == "page"
    assert definitions["spend_paginator"]["page_token_option"]["field_name"] == "nextPage"
    for name, path in STREAM_PATHS.items():
        uses_spend = name.startswith("spend_")
        assert cursor_param(path) == ("nextPage" if uses_spend else "page"), name


def test_given_manifest_streams_then_paths_are_bills():
    assert STREAM_PATHS["recurring_bills"] == "/v3/recurringbills"
    assert STREAM_PATHS["receivable_payments"] == "/v3/receivable-payments"
    assert STREAM_PATHS["bank_accounts"] == "/v3/funding-accounts/banks"
    for name in (
        "chart_of_accounts",
        "accounting_classes",
        "departments",
        "employees",
        "items",
        "jobs",
        "locations",
    ):
        assert STREAM_PATHS[name] == "/v3/classifications/" + name.replace("_", "-")
    for name in (
        "spend_transactions",
        "spend_reimbursements",
        "spend_cards",
        "spend_budgets",
        "spend_users",
        "spend_custom_fields",
    ):
        assert re.fullmatch(r"/v3/spend/[a-z-]+", STREAM_PATHS[name])
