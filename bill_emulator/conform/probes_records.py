"""Probes of records: the fields of each streamed object against the connector's JSON schemas, and
the formats of ids, date-times and dates."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from importlib import resources
from typing import Any

from bill_emulator.conform.lists import ListSpec, streams
from bill_emulator.conform.probe import Observation, Probe, compare_common
from bill_emulator.conform.shapes import id_shape, json_type, parse_time, time_shape
from bill_emulator.conform.side import Side, Skip

DOCS_DATA = "docs/emulator.md#what-it-serves (Data)"
DOCS_SHAPES = "docs/emulator.md#assumptions (the fields of each family)"
_MIN_TIMES = 10  # timestamps needed before "milliseconds are always .000" means anything


# -- schemas -------------------------------------------------------------------------------------
@cache
def schema_of(stream: str) -> dict[str, Any]:
    text = resources.files("source_bill").joinpath(f"schemas/{stream}.json").read_text()
    return json.loads(text)


def _types(node: dict[str, Any]) -> frozenset[str]:
    declared = node.get("type", [])
    names = {declared} if isinstance(declared, str) else set(declared)
    return frozenset("number" if name == "integer" else name for name in names)


def schema_paths(node: dict[str, Any], prefix: str = "") -> tuple[dict[str, frozenset[str]], set[str]]:
    """`{path: allowed JSON types}` of every property, and the paths of objects whose properties the
    schema lists (where an unlisted key is extra). The root is "", array items `name[]`."""
    allowed: dict[str, frozenset[str]] = {}
    listed: set[str] = set()
    if "properties" in node:
        listed.add(prefix)
        for key, child in node["properties"].items():
            path = f"{prefix}.{key}" if prefix else key
            allowed[path] = _types(child)
            more, inner = schema_paths(child, path)
            allowed.update(more)
            listed |= inner
    items = node.get("items")
    if isinstance(items, dict):
        more, inner = schema_paths(items, f"{prefix}[]")
        allowed.update(more)
        listed |= inner
    return allowed, listed


def parent_of(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


def observe_paths(value: Any, prefix: str, seen: dict[str, set[str]], objects: set[str]) -> None:
    """Every key path in `value` with the JSON types seen there, and the paths where objects were seen."""
    if isinstance(value, dict):
        objects.add(prefix)
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            seen[path].add(json_type(item))
            observe_paths(item, path, seen, objects)
    elif isinstance(value, list):
        for item in value:
            observe_paths(item, f"{prefix}[]", seen, objects)


# -- fields per stream ---------------------------------------------------------------------------
def field_probe(list_spec: ListSpec) -> Probe:
    stream = list_spec.stream

    def run(side: Side) -> Observation:
        page = side.first_page(list_spec)
        if not page.rows:
            raise Skip(f"{side.label} has no records in {side.path_of(list_spec)}")
        allowed, listed = schema_paths(schema_of(stream))
        seen: dict[str, set[str]] = defaultdict(set)
        objects: set[str] = set()
        for row in page.rows:
            observe_paths(row, "", seen, objects)
        missing = sorted(path for path in allowed if parent_of(path) in objects and path not in seen)
        extra = sorted(
            path
            for path in seen
            if parent_of(path) in listed and parent_of(path) in objects and path not in allowed
        )
        wrong = {
            path: "/".join(sorted(types))
            for path, types in sorted(seen.items())
            if path in allowed and allowed[path] and not types <= allowed[path]
        }
        observation = Observation(
            {"missing": missing, "extra": extra, "wrong type": wrong},
            notes={"records": len(page.rows)},
        )
        observation.context["objects"] = objects
        observation.context["allowed"] = allowed
        return observation

    return Probe(
        f"fields.{stream}",
        f"The emulator's {stream} records carry the fields of source_bill/schemas/{stream}.json with "
        "the same JSON types as BILL's (keys BILL omits or adds, and values of another type, show here).",
        f"{DOCS_DATA}; {DOCS_SHAPES}",
        frozenset({list_spec.family}),
        run,
        compare_fields,
        group="fields",
    )


def compare_fields(bill: Observation, emulator: Observation) -> list[str] | None:
    """Only paths whose enclosing object both sides sent can be compared."""
    both = bill.context["objects"] & emulator.context["objects"]
    differences = []
    for name, verb in (("missing", "omits"), ("extra", "adds")):
        only_bill = [p for p in bill.facts[name] if p not in emulator.facts[name] and parent_of(p) in both]
        only_emulator = [
            p for p in emulator.facts[name] if p not in bill.facts[name] and parent_of(p) in both
        ]
        if only_bill:
            differences.append(f"BILL {verb} {', '.join(only_bill)} (the emulator does not)")
        if only_emulator:
            differences.append(f"the emulator {verb} {', '.join(only_emulator)} (BILL does not)")
    bill_wrong, emulator_wrong = bill.facts["wrong type"], emulator.facts["wrong type"]
    for path in sorted(set(bill_wrong) | set(emulator_wrong)):
        if parent_of(path) in both and bill_wrong.get(path) != emulator_wrong.get(path):
            allowed = "/".join(sorted(bill.context["allowed"].get(path, ())))
            differences.append(
                f"{path} is {bill_wrong.get(path, 'as the schema says')} at BILL, "
                f"{emulator_wrong.get(path, 'as the schema says')} at the emulator (schema: {allowed})"
            )
    return differences


# -- formats -------------------------------------------------------------------------------------
def id_format(side: Side) -> Observation:
    observation = Observation()
    for stream, page in side.all_first_pages().items():
        for key in ("id", "uuid"):
            shapes = sorted({id_shape(row[key]) for row in page.rows if key in row})
            if shapes:
                observation.facts[f"{stream}.{key}"] = shapes[0] if len(shapes) == 1 else shapes
    if not observation.facts:
        raise Skip(f"{side.label} has no records in any list")
    return observation


def _walk_times(value: Any, times: dict[str, set[str]], millis: list[int]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                _walk_times(item, times, millis)
            elif isinstance(item, str) and (key.endswith("Time") or key.endswith("Date")):
                times[key].add(time_shape(item))
                moment = parse_time(item) if key in ("createdTime", "updatedTime") else None
                if moment is not None:
                    millis.append(moment.microsecond // 1000)
    elif isinstance(value, list):
        for item in value:
            _walk_times(item, times, millis)


def timestamp_format(side: Side) -> Observation:
    times: dict[str, set[str]] = defaultdict(set)
    millis: list[int] = []
    for page in side.all_first_pages().values():
        _walk_times(page.rows, times, millis)
    if not times:
        raise Skip(f"{side.label} has no record with a date or date-time")
    observation = Observation()
    for key in sorted(times):
        shapes = sorted(times[key])
        observation.facts[key] = shapes[0] if len(shapes) == 1 else shapes
    if len(millis) >= _MIN_TIMES:
        observation.facts["milliseconds of createdTime/updatedTime"] = (
            "vary" if any(millis) else "always .000 (BILL may keep whole seconds)"
        )
    return observation


PROBES_FORMATS = (
    Probe(
        "id_format",
        "Ids are BILL's: a 3-character prefix per object (vendor 009, bill 00n, invoice 00e, customer "
        "0cu, …), a 2-digit shard and 15 letters and digits; Spend & Expense ids are base64 of "
        "Type:number with a UUID beside them.",
        f"{DOCS_DATA}; docs/emulator.md#assumptions (Id prefixes); docs/emulator.md#spend--expense (Ids)",
        frozenset({"ap_ar", "partner", "spend"}),
        id_format,
        compare_common,
    ),
    Probe(
        "timestamp_format",
        "Date-times are yyyy-MM-dd'T'HH:mm:ss.SSS+00:00 (milliseconds kept) and dates yyyy-MM-dd.",
        DOCS_DATA,
        frozenset({"ap_ar", "partner", "spend"}),
        timestamp_format,
        compare_common,
    ),
)


def field_probes() -> tuple[Probe, ...]:
    return tuple(field_probe(item) for family in ("ap_ar", "partner", "spend") for item in streams(family))
