"""Hypothesis strategies for the emulator robustness tests: malformed ids, queries, bodies and headers.

Nothing here knows the emulator's routes or resources by heart: the callers hand in what the emulator
itself exposes (its route table, its seeded ids and object fields, BILL's Postman bodies per route).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

# Printable ASCII except space: what a "raw" path or query may carry without percent-encoding.
_RAW_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
_ALNUM = string.ascii_letters + string.digits

EMPTYISH = [" ", "  ", "\t", "null", "None", "undefined", "0", "-1", "NaN", ".", "~", "{id}", ":id", "[]"]
TRAVERSAL = ["..", "../", "../..", "../../etc/passwd", "..%2F..%2F", "%2e%2e%2f", "..\\..\\", "./", "%2F"]
PERCENT_JUNK = ["%", "%%", "%zz", "%ff%fe", "%00", "%u0041", "%C0%AF", "%E2%80%AE", "%0d%0a", "%25"]
SQLISH = [
    "'",
    '"',
    "\\",
    "' OR '1'='1",
    "1; DROP TABLE records; --",
    '") OR 1=1 --',
    "' UNION SELECT body FROM records --",
    "%' --",
    "'||(SELECT sqlite_version())||'",
]
MAX_VALUES = ["", "0", "-1", "101", "1000", "51", "1e3", "abc", " 5", "5.0", "0x10", "١٢", "+1", "2**64"]
# Dates at the ends of the calendar, impossible ones, and other formats.
EDGE_DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "2025-02-30", "2025-12-31T00:00:00Z", "31/12/2025"]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
COMMON_FIELDS = ["id", "archived", "createdTime", "updatedTime", "name"]
NUMBERISH = ["nan", "inf", "-inf", "1e309", "9" * 30, "-1", "0", "0.001", "true", "false", "", " "]
FILTER_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "sw", "EQ", "like", "", " eq ", "=", "eq:eq"]
FILTER_VALUES = [
    '"2025-01-01T00:00:00.000Z"',
    "2025-01-01",
    '"0001-01-01T00:00:00.000+14:00"',
    '"9999-12-31T23:59:59.999-14:00"',
    '"0001-01-01T00:00-23:59"',
    "2025-13-45",
    "true",
    "FALSE",
    "1e999",
    "-0",
    "NaN",
    '""',
    '"',
    '"unterminated',
    'a"b"c',
    '"a,b",c',
    '"USD,CAD"',
    ",,,",
    ":::",
]
SORT_DIRECTIONS = ["asc", "desc", "ASC", "Desc", "", "up", "asc:desc", " desc ", "1"]
PARAM_NAMES = ["max", "page", "nextPage", "prevPage", "filters", "sort", "ids", "start", "pageSize"]
BINARY_JUNK = [
    b"{",
    b"{not json",
    b'{"a":}',
    b"[1,2",
    b"NaN",
    b"Infinity",
    b"1e999",
    b"\xff\xfe{}",
    b'{"a":1}{"b":2}',
    b"[" * 5000,
    b'{"a":' * 2000,
    b'"unterminated',
    '{"name": "x"}'.encode("utf-16"),
    b"\x00" * 32,
    b"undefined",
    b"<xml/>",
    b"name=x&email=y",
]
AUTH_HEADERS = ("devKey", "sessionId", "appKey", "apiToken", "organizationId", "Content-Type")
# How a drawn header is sent: left out, correct, junk, empty, duplicated, another credential's
# value, a logged-out session, the name in other letter case, or the correct value padded.
HEADER_MODES = ("omit", "valid", "junk", "empty", "valid+junk", "junk+valid", "valid+valid", "other")
HEADER_MODES += ("dead", "case", "padded")
BREAKING_MODES = frozenset({"omit", "junk", "empty", "other", "dead"})
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "json", "*/*"]


# -- scalars and JSON junk -----------------------------------------------------------------------------
@functools.lru_cache
def junk_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any unicode (NUL, RTL marks, emoji, combining marks), never a surrogate."""
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=max_size)


def json_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63, max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        junk_text(),
        st.sampled_from(["", "string", "2025-13-45", "-1", "true", "null", "9" * 40]),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Nested JSON junk: lists and objects of scalars, a few levels deep."""
    return st.recursive(
        json_scalars(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(junk_text(12), inner, max_size=4),
        max_leaves=6,
    )


JSON_VALUES = json_values()


def wrong_type(value: Any) -> st.SearchStrategy[Any]:
    """A value of another JSON type than `value`."""
    if isinstance(value, bool):
        return st.sampled_from(["true", 1, None, [], {}])
    if isinstance(value, int | float):
        return st.sampled_from(
            [str(value), "abc", None, True, [value], {"value": value}, -1e308, 1e308, -1, 0]
        )
    if isinstance(value, str) and _DAY.match(value):
        return st.sampled_from(EDGE_DATES) | st.sampled_from([0, None, [value]])
    if isinstance(value, str):
        return st.sampled_from([0, 1.5, True, None, [value], {"id": value}, [], {}, "x" * 5000, ""])
    if isinstance(value, list):
        return st.sampled_from([{}, "list", 0, None, [None], [[]], [1, "a", None]])
    if isinstance(value, dict):
        return st.sampled_from([[], "object", 0, None, [value], {"": None}])
    return JSON_VALUES


# -- ids --------------------------------------------------------------------------------------------------
class SeededIds:
    """Ids of the objects the emulator seeded: the caller's own by storage kind (what fits a name),
    and every id, other organizations' included (`all`)."""

    def __init__(self, by_kind: Mapping[str, Sequence[str]], others: Sequence[str] = ()) -> None:
        self.by_kind = by_kind
        self.all = sorted({*others, *(i for ids in by_kind.values() for i in ids)})
        self._fits: dict[tuple[str, str], list[str]] = {}
        self._strategies: dict[tuple[str, str], st.SearchStrategy[str]] = {}

    def for_name(self, name: str, path: str = "") -> list[str]:
        """Ids that likely fit a path parameter or body placeholder (`customerId`, `{{vendor_id}}`,
        `{id}` under `/chart-of-accounts`), guessed from the name; every id when nothing fits."""
        if (name, path) not in self._fits:
            self._fits[name, path] = self._guess(name, path)
        return self._fits[name, path]

    def fitting(self, name: str, path: str = "") -> st.SearchStrategy[str]:
        if (name, path) not in self._strategies:
            self._strategies[name, path] = st.sampled_from(self.for_name(name, path))
        return self._strategies[name, path]

    def _guess(self, name: str, path: str) -> list[str]:
        stem = re.sub(r"(_?(id|uuid))\d*$", "", _snake(name)).removeprefix("se_")
        segments = [s.replace("-", "_") for s in path.split("/") if s and s != "v3" and "{" not in s]
        if not stem and segments:
            stem = segments[-1]
        if not stem:
            return self.all
        kinds = [kind for kind in self.by_kind if kind.startswith("spend_") == path.startswith("/v3/spend")]
        # `bankAccountId` under /customers is a customer bank account: owner-qualified names first.
        for candidate in [f"{s.removesuffix('s')}_{stem}" for s in segments] + [stem]:
            plural = _plurals(candidate)
            fits = [kind for kind in kinds if kind.removeprefix("spend_") in plural]
            if fits:
                break
        else:
            fits = [kind for kind in kinds if any(kind.endswith("_" + p) for p in _plurals(stem))]
        ids = sorted({i for kind in fits for i in self.by_kind[kind]})
        return ids or sorted({i for ids in self.by_kind.values() for i in ids})


def _plurals(stem: str) -> set[str]:
    return {stem, stem + "s", stem + "es", stem[:-1] + "ies"}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def unknown_ids(seeded: SeededIds) -> st.SearchStrategy[str]:
    """Valid-looking ids nobody issued: a real id's prefix and shard with another tail, or one letter off."""
    prefixes = sorted({i[:5] for i in seeded.all if len(i) == 20})
    fresh = st.builds(
        lambda p, tail: p + tail,
        st.sampled_from(prefixes or ["00901"]),
        st.text(_ALNUM, min_size=15, max_size=15),
    )
    off_by_one = st.builds(
        lambda real, i, c: real[:i] + c + real[i + 1 :],
        st.sampled_from(seeded.all),
        st.integers(0, 19),
        st.sampled_from(_ALNUM),
    )
    return fresh | off_by_one


def raw_ids(seeded: SeededIds, fitting: Sequence[str]) -> st.SearchStrategy[str]:
    """An id as the client means it, before it is put into a URL."""
    return st.one_of(
        st.sampled_from(EMPTYISH + TRAVERSAL + PERCENT_JUNK + SQLISH),
        st.integers(300, 4000).map(lambda n: "x" * n),
        st.text(_ALNUM + "-_.", min_size=257, max_size=600),
        junk_text().filter(bool),
        st.sampled_from(seeded.all),  # mostly the wrong object type, or another organization's
        unknown_ids(seeded),
        st.sampled_from(list(fitting) or seeded.all),  # real and of the right type: the happy path
        st.builds(lambda real, tail: real + tail, st.sampled_from(seeded.all), st.sampled_from(SQLISH)),
    )


def path_segments(seeded: SeededIds, fitting: Sequence[str]) -> st.SearchStrategy[str]:
    """An id ready for the path: fully percent-encoded, or raw with only what HTTP forbids encoded
    (so `/`, `..`, `?`, `#` and `%zz` reach the server as they are)."""
    return st.builds(
        lambda raw, raw_mode: quote(raw, safe=_RAW_SAFE if raw_mode else ""),
        raw_ids(seeded, fitting),
        st.booleans(),
    )


# -- query strings ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TamperedCursor:
    """Stands for a real page token of the route whose sort keys were swapped for `keys`."""

    keys: tuple[Any, ...]


def tamper(token: str, keys: Sequence[Any]) -> str:
    """A real page token whose first sort keys are replaced by `keys`, the others kept (tokens are
    opaque to BILL's clients, but a client may still send back a corrupted one)."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        payload["k"] = [*keys, *payload["k"][len(keys) :]]
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    except (ValueError, TypeError, KeyError):
        return token[::-1]


def _timestamps() -> st.SearchStrategy[str]:
    """Date-times in BILL's filter formats, often at the ends of the calendar, or impossible ones."""
    valid = st.builds(
        lambda y, mo, d, h, mi, rest, tz: f'"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}{rest}{tz}"',
        st.integers(1, 9999),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from(["", ":00", ":00.000", ":59.999"]),
        st.sampled_from(["", "Z", "+14:00", "-14:00", "+23:59", "-23:59", "+00:00"]),
    )
    edges = st.sampled_from(  # the first and last moments a date-time can name, in other zones
        [
            '"0001-01-01T00:00+14:00"',
            '"9999-12-31T23:59:59.999-14:00"',
            '"0001-01-01T00:00:00.000+00:30"',
            '"9999-12-31T23:59-00:30"',
            '"0001-01-01T00:00Z"',
            '"9999-12-31T23:59:59.999Z"',
        ]
    )
    impossible = st.sampled_from(
        [
            '"0000-01-01T00:00"',
            '"2025-13-01T00:00"',
            '"2025-02-30T00:00"',
            '"2025-01-01T24:00"',
            '"2025-01-01T00:60"',
            '"2025-01-01T00:00:00.000+99:00"',
        ]
    )
    return st.one_of(valid, edges, impossible)


def _fields(fields: Sequence[str]) -> st.SearchStrategy[str]:
    """A field name: one every AP/AR list filters and sorts on (REFERENCE.md 3.1), any field of a seeded
    object, or junk."""
    return st.one_of(st.sampled_from(COMMON_FIELDS), st.sampled_from(list(fields)), junk_text(20))


def _clause(
    field: st.SearchStrategy[str], op: st.SearchStrategy[str], value: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    return st.builds(lambda f, o, v: f"{f}:{o}:{v}", field, op, value)


def filters(fields: Sequence[str], seeded: SeededIds) -> st.SearchStrategy[str]:
    """Filter expressions: clauses BILL documents with odd values (so the value parsing and the query
    run), and clauses with junk fields, operators and quoting."""
    ids = st.sampled_from(seeded.all)
    value = st.one_of(
        st.sampled_from(FILTER_VALUES),
        _timestamps(),
        junk_text(),
        ids,
        st.lists(ids, min_size=2, max_size=5).map(lambda v: '"' + ",".join(v) + '"'),
        st.floats().map(str),
    )
    documented = st.one_of(
        _clause(
            st.sampled_from(["createdTime", "updatedTime"]),
            st.sampled_from(["gt", "gte", "lt", "lte"]),
            _timestamps(),
        ),
        _clause(st.just("id"), st.sampled_from(["eq", "ne", "in"]), value),
        _clause(
            st.just("archived"),
            st.sampled_from(["eq", "ne"]),
            st.sampled_from(["true", "FALSE", "1", '"true"', ""]),
        ),
        _clause(st.sampled_from(list(fields)), st.sampled_from(FILTER_OPS[:9]), value),
    )
    op = st.one_of(st.sampled_from(FILTER_OPS), junk_text(8))
    junk = st.one_of(
        _clause(_fields(fields), op, value),
        _fields(fields),
        st.builds(lambda f, o: f"{f}:{o}", _fields(fields), op),
    )
    clauses = st.lists(documented | junk, min_size=1, max_size=3).map(",".join)
    return st.one_of(clauses, clauses, junk_text(80))


def sorts(fields: Sequence[str]) -> st.SearchStrategy[str]:
    clause = st.builds(
        lambda f, d: f"{f}:{d}" if d is not None else f,
        _fields(fields),
        st.none() | st.sampled_from(SORT_DIRECTIONS) | junk_text(8),
    )
    return st.lists(clause, min_size=1, max_size=4).map(",".join) | junk_text(80)


def cursors() -> st.SearchStrategy[Any]:
    """Page tokens: junk, base64 of JSON junk, token-shaped JSON with junk inside, or a real token
    of the route with corrupted sort keys (TamperedCursor)."""
    scalars = json_scalars()
    small = scalars | st.lists(scalars, max_size=3) | st.dictionaries(junk_text(8), scalars, max_size=2)
    base64_json = small.map(lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=").decode())
    fake_payload = st.fixed_dictionaries(
        {"k": small, "f": junk_text(10), "b": scalars},
        optional={"i": scalars},
    ).map(lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).decode())
    tampered = st.lists(small, min_size=1, max_size=2).map(lambda k: TamperedCursor(tuple(k)))
    return st.one_of(tampered, junk_text(60), base64_json, fake_payload, st.sampled_from(["=", "====", "a"]))


def scalar_params(seeded: SeededIds) -> st.SearchStrategy[str]:
    """A value for a parameter that wants a number, a flag, an id or a word."""
    return st.one_of(
        junk_text(),
        st.integers().map(str),
        st.sampled_from(NUMBERISH),
        st.sampled_from(seeded.all),
        st.floats().map(str),
    )


def query_pairs(
    fields: Sequence[str], seeded: SeededIds, names: Sequence[str] = ()
) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Malformed list parameters, the route's own parameters (`names`) with junk values, junk
    parameters, and duplicates, in any order."""
    scalar = scalar_params(seeded)
    cursor = cursors()
    by_name: dict[str, st.SearchStrategy[Any]] = {
        "max": st.sampled_from(MAX_VALUES) | scalar,
        "page": cursor,
        "nextPage": cursor,
        "prevPage": cursor,
        "filters": filters(fields, seeded),
        "sort": sorts(fields),
        "ids": st.lists(st.sampled_from(seeded.all) | junk_text(10), max_size=5).map(",".join),
    }
    listing = st.one_of([st.tuples(st.just(name), by_name[name]) for name in [*by_name, "filters"]])
    others = sorted({*PARAM_NAMES, *names} - set(by_name))
    named = st.one_of(listing, listing, st.one_of([st.tuples(st.just(n), scalar) for n in others]))
    anything = st.tuples(junk_text(15), junk_text())
    return st.lists(named | anything, min_size=1, max_size=4)


def render_query(pairs: Sequence[tuple[str, str]], raw: bool) -> str:
    """Encode properly, or raw: only what HTTP forbids gets encoded, so `&`, `=`, `%zz` and `+` stay."""
    if raw:
        return "&".join(f"{quote(k, safe=_RAW_SAFE)}={quote(v, safe=_RAW_SAFE)}" for k, v in pairs)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


# -- bodies ----------------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"^\{\{(\w+)\}\}$")


def _fill(draw: st.DrawFn, value: Any, seeded: SeededIds) -> Any:
    if isinstance(value, dict):
        return {k: _fill(draw, v, seeded) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(draw, v, seeded) for v in value]
    if isinstance(value, str) and (match := _PLACEHOLDER.match(value)):
        return draw(seeded.fitting(match.group(1)))
    return value


@st.composite
def filled(draw: st.DrawFn, value: Any, seeded: SeededIds) -> Any:
    """A template with each `{{variable}}` replaced by a seeded id that fits its name."""
    return _fill(draw, value, seeded)


_ACTIONS = st.sampled_from(["drop", "junk", "wrong", "wrong"])
Path = tuple[str | int, ...]


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every field of a JSON value at any depth (of a list, its first item stands for all)."""
    found: list[Path] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        found += _paths(value[0], (*prefix, 0))
    return found


def _broken_at(draw: st.DrawFn, value: Any, path: Path) -> Any:
    """A copy of `value` with the field at `path` dropped, made junk or given the wrong type."""
    if not path:
        action = draw(_ACTIONS)
        return draw(JSON_VALUES) if action == "junk" else draw(wrong_type(value))
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        if not rest and draw(_ACTIONS) == "drop":
            del out[head]
        else:
            out[head] = _broken_at(draw, value[head], rest)
        return out
    items = list(value)
    items[0] = _broken_at(draw, items[0], rest)
    return items


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """A template with one to three fields, at any depth, dropped, made junk or given the wrong
    type (every field equally likely, so line items and nested objects get their share), and
    maybe a junk field added."""
    paths = _paths(value)
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)) if paths else []:
        try:
            value = _broken_at(draw, value, path)
        except (KeyError, IndexError, TypeError):  # an earlier change already removed that field
            continue
    if isinstance(value, dict) and draw(st.booleans()):
        value = {**value, draw(junk_text(12)): draw(JSON_VALUES)}
    return value


def bodies(templates: Sequence[Any], seeded: SeededIds) -> st.SearchStrategy[bytes]:
    """Request bodies that are not what the route wants: not JSON, JSON of the wrong type, or a
    template (BILL's example body for the route, or a seeded object) with fields dropped or mistyped."""
    template = st.sampled_from(list(templates)).flatmap(lambda t: filled(t, seeded))
    broken = template.flatmap(mutated)
    huge = template.map(
        lambda t: {k: "x" * 100_000 for k in list(t)[:3]} if isinstance(t, dict) and t else ["x" * 100_000]
    )
    other_json = st.one_of(
        JSON_VALUES,
        broken.map(lambda t: [t]),
        st.lists(broken, min_size=2, max_size=3),
        template,  # the template itself: real ids, so the handler does its real work
        huge,
        st.sampled_from([{}, []]),
    )
    not_json = st.one_of(st.sampled_from(BINARY_JUNK), st.binary(max_size=64), junk_text().map(str.encode))
    dumped = broken.map(lambda v: json.dumps(v).encode())
    # A broken template reaches the handler's own validation: most examples are one.
    return st.one_of(dumped, dumped, dumped, other_json.map(lambda v: json.dumps(v).encode()), not_json)


# -- headers ---------------------------------------------------------------------------------------------
def header_plans() -> st.SearchStrategy[dict[str, tuple[str, str]]]:
    """For each auth header: how to send it (a HEADER_MODES entry) and the junk to use."""
    # What HTTP allows in a field value (visible ASCII, space, tab, obs-text): a DEL or a control
    # character makes the request itself invalid, and the HTTP server, not BILL, answers it.
    latin1_junk = st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f") | st.just("\t"),
        max_size=60,
    )
    junk = st.one_of(latin1_junk, st.sampled_from(SQLISH + EMPTYISH), st.sampled_from(CONTENT_TYPES))
    plan = st.tuples(st.sampled_from(HEADER_MODES), junk)
    return st.fixed_dictionaries({name: plan for name in AUTH_HEADERS})
