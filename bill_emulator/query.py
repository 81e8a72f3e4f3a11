"""BILL list semantics: `max`, `filters`, `sort` and opaque keyset page cursors, compiled to SQL.

Order is always total (the object id breaks ties), and cursors remember the sort keys of the
row they stop at, so a walk never skips or repeats a row while the data is unchanged, and a row
that moves during a walk is never skipped past. The deviation knobs (`settings.Deviations`) bend the
order, the page size, date-time filter bounds and the last page the way a BILL that differs from its
documents would; off (the default), they change nothing.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from bill_emulator.errors import invalid_parameter
from bill_emulator.resources import Field, Resource
from bill_emulator.settings import Deviations
from bill_emulator.timefmt import parse_date, parse_filter_timestamp, whole_second

_COLUMNS = {"id": "id", "createdTime": "created_time", "updatedTime": "updated_time", "archived": "archived"}
_OPS_SQL = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_ALL_OPS = {"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "sw"}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Cursor:
    keys: tuple[Any, ...]
    backward: bool
    inclusive: bool = False


@dataclass(frozen=True)
class ListQuery:
    limit: int
    conditions: tuple[Condition, ...]
    sort: tuple[tuple[str, bool], ...]  # (field, descending)
    cursor: Cursor | None
    fingerprint: str


@dataclass(frozen=True)
class Page:
    bodies: list[str]
    next_token: str | None
    prev_token: str | None
    deviations: frozenset[str] = frozenset()  # the deviation knobs that changed this page
    last_id: str | None = None  # the id of the page's last row


# -- parsing ------------------------------------------------------------------------------
def parse_list_query(
    resource: Resource, params: Mapping[str, str], cursor_params: tuple[str, ...]
) -> ListQuery:
    limit = _parse_max(resource, params.get("max"))
    filters_text = params.get("filters") or ""
    sort_text = params.get("sort") or ""
    conditions = tuple(_parse_conditions(resource, filters_text))
    sort = tuple(_parse_sort(resource, sort_text))
    fingerprint = f"{zlib.crc32(f'{resource.kind}|{filters_text}|{sort_text}'.encode()):08x}"
    cursor = None
    for name in cursor_params:
        token = params.get(name)
        if token:
            cursor = decode_cursor(token, fingerprint)
            break
    return ListQuery(limit, conditions, sort, cursor, fingerprint)


def _parse_max(resource: Resource, raw: str | None) -> int:
    if raw is None or raw == "":
        return min(resource.default_page, resource.max_page)
    try:
        value = int(raw)
    except ValueError:
        raise invalid_parameter(f"max must be an integer between 1 and {resource.max_page}.") from None
    if not 1 <= value <= resource.max_page:
        raise invalid_parameter(f"max must be an integer between 1 and {resource.max_page}.")
    return value


def split_outside_quotes(text: str, separator: str = ",") -> list[str]:
    """Split on a separator that is not inside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise invalid_parameter("filters has an unterminated quoted value.")
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _parse_conditions(resource: Resource, text: str) -> list[Condition]:
    if not text.strip():
        return []
    conditions = []
    for clause in split_outside_quotes(text):
        pieces = clause.split(":", 2)
        if len(pieces) != 3 or not pieces[0].strip():
            raise invalid_parameter(f"Invalid filter '{clause}': expected field:operator:value.")
        name, op, raw = pieces[0].strip(), pieces[1].strip(), pieces[2]
        spec = resource.filters.get(name)
        if spec is None:
            raise invalid_parameter(
                f"Invalid filter field '{name}'. Filterable fields: {', '.join(sorted(resource.filters))}."
            )
        if op not in _ALL_OPS:
            raise invalid_parameter(f"Invalid filter operator '{op}' for field '{name}'.")
        if op not in spec.ops:
            raise invalid_parameter(
                f"Operator '{op}' is not supported for field '{name}'. Use one of: {', '.join(sorted(spec.ops))}."
            )
        value = _unquote(raw)
        raw_values = [v.strip() for v in value.split(",")] if op in {"in", "nin"} else [value]
        if any(v == "" for v in raw_values) and spec.type != "string":
            raise invalid_parameter(f"Filter '{name}' needs a value.")
        conditions.append(Condition(name, op, tuple(_coerce(name, spec, v) for v in raw_values)))
    return conditions


def _coerce(name: str, spec: Field, value: str) -> Any:
    try:
        if spec.type == "timestamp":
            return parse_filter_timestamp(value)
        if spec.type == "date":
            return parse_date(value)
        if spec.type == "bool":
            lowered = value.lower()
            if lowered not in {"true", "false"}:
                raise ValueError(value)
            return 1 if lowered == "true" else 0
        if spec.type == "number":
            return float(value)
    except ValueError:
        raise invalid_parameter(f"Invalid value '{value}' for filter field '{name}'.") from None
    return value


def _parse_sort(resource: Resource, text: str) -> list[tuple[str, bool]]:
    if not text.strip():
        return []
    keys = []
    for clause in text.split(","):
        name, _, direction = clause.strip().partition(":")
        direction = direction.strip().lower() or "asc"
        if name not in resource.sorts:
            raise invalid_parameter(
                f"Invalid sort field '{name}'. Sortable fields: {', '.join(sorted(resource.sorts))}."
            )
        if direction not in {"asc", "desc"}:
            raise invalid_parameter(f"Invalid sort direction '{direction}' for '{name}': use asc or desc.")
        keys.append((name, direction == "desc"))
    if resource.single_sort and len(keys) > 1:
        raise invalid_parameter("Only one sort field is supported.")
    return keys


# -- cursors ------------------------------------------------------------------------------
def encode_cursor(keys: tuple[Any, ...], fingerprint: str, backward: bool, inclusive: bool = False) -> str:
    payload = {"k": list(keys), "f": fingerprint, "b": int(backward), "i": int(inclusive)}
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


def decode_cursor(token: str, fingerprint: str) -> Cursor:
    """A token carries its own direction: `page=` takes nextPage and prevPage tokens alike."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        keys = tuple(payload["k"])
        token_fingerprint = payload["f"]
        token_backward = bool(payload["b"])
        inclusive = bool(payload.get("i", 0))
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise invalid_parameter("Invalid page token.") from None
    if not all(_is_sort_key(key) for key in keys):  # a corrupted token: keys SQLite cannot compare
        raise invalid_parameter("Invalid page token.")
    if token_fingerprint != fingerprint:
        raise invalid_parameter("Invalid page token: it belongs to a list with other filters or sort.")
    return Cursor(keys, token_backward, inclusive)


def _is_sort_key(value: Any) -> bool:
    """What a cursor's sort keys can be: the scalars SQLite stores (integers within 64 bits)."""
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return value is None or isinstance(value, str | float)


# -- SQL ----------------------------------------------------------------------------------
def _expr(resource: Resource, name: str) -> str:
    column = _COLUMNS.get(name)
    if column:
        return column
    spec = resource.filters.get(name)
    path = spec.path if spec and spec.path else name
    if not all(part.isalnum() or part == "_" for part in path.replace(".", "_").split("_")):
        raise invalid_parameter(f"Invalid field '{name}'.")
    return f"ifnull(json_extract(body, '$.{path}'), '')"


@dataclass(frozen=True)
class _Plan:
    """A list query as SQL: its WHERE clauses without the cursor, its ORDER BY keys, and the deviation
    knobs that changed either."""

    where: list[str]
    params: list[Any]
    keys: list[tuple[str, bool]]
    fired: frozenset[str]


def _plan(
    resource: Resource,
    scope: str,
    query: ListQuery,
    parent_id: str | None,
    deviations: Deviations | None,
) -> _Plan:
    fired: set[str] = set()
    where = ["kind = ?", "scope = ?"]
    params: list[Any] = [resource.kind, scope]
    if parent_id is not None:
        where.append("parent_id = ?")
        params.append(parent_id)
    for condition in query.conditions:
        if deviations is not None and deviations.filter_seconds:
            condition = _bounds_at_seconds(resource, condition, fired)
        sql, values = _condition_sql(resource, condition)
        where.append(sql)
        params.extend(values)
    keys = _sort_keys(resource, query.sort, deviations, fired)
    return _Plan(where, params, keys, frozenset(fired))


def _sort_keys(
    resource: Resource,
    sort: tuple[tuple[str, bool], ...],
    deviations: Deviations | None,
    fired: set[str],
) -> list[tuple[str, bool]]:
    """ORDER BY keys ending in the id, so the order is total and keyset cursors never skip a row."""
    if sort and deviations is not None and deviations.ignore_sort:
        fired.add("ignore_sort")
        return [("id", False)]
    keys = []
    for name, desc in sort:
        expr = _expr(resource, name)
        if deviations is not None and deviations.sort_seconds and _is_date_time(resource, name):
            # `yyyy-MM-ddTHH:mm:ss` is the first 19 characters of every stored date-time.
            expr = f"substr({expr}, 1, 19)"
            fired.add("sort_seconds")
        keys.append((expr, desc))
    if not sort:
        keys = [("created_time", False)]
    if not any(expr == "id" for expr, _ in keys):
        keys.append(("id", False))
    return keys


def _is_date_time(resource: Resource, name: str) -> bool:
    """BILL names its date-times `...Time` (createdTime, occurredTime, submittedTime); dates `...Date`."""
    spec = resource.filters.get(name)
    return name.endswith("Time") or (spec is not None and spec.type == "timestamp")


def _bounds_at_seconds(resource: Resource, condition: Condition, fired: set[str]) -> Condition:
    """A date-time condition whose values lost their milliseconds (the `filter_seconds` deviation)."""
    spec = resource.filters.get(condition.field)
    if spec is None or spec.type != "timestamp":
        return condition
    values = tuple(whole_second(value) for value in condition.values)
    if values == condition.values:
        return condition
    fired.add("filter_seconds")
    return replace(condition, values=values)


def run_list(
    store: Any,
    resource: Resource,
    scope: str,
    query: ListQuery,
    parent_id: str | None = None,
    deviations: Deviations | None = None,
) -> Page:
    plan = _plan(resource, scope, query, parent_id, deviations)
    fired = set(plan.fired)
    where, params, keys = list(plan.where), list(plan.params), plan.keys

    cursor = query.cursor
    backward = bool(cursor and cursor.backward)
    if cursor is not None:
        if len(cursor.keys) != len(keys):
            raise invalid_parameter("Invalid page token.")
        sql, values = _keyset_sql(keys, cursor.keys, backward, cursor.inclusive)
        where.append(sql)
        params.extend(values)

    limit = _page_limit(query, deviations, fired)
    order = ", ".join(f"{expr} {'DESC' if desc != backward else 'ASC'}" for expr, desc in keys)
    select_keys = ", ".join(expr for expr, _ in keys)
    sql = f"SELECT body, {select_keys} FROM records WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    params.append(limit + 1)
    rows = store.select_bodies(sql, params)
    id_index = [expr for expr, _ in keys].index("id")
    return _page(query, rows, limit, id_index, deviations, fired)


def page_rows(
    rows: Sequence[tuple[tuple[Any, ...], str]], query: ListQuery, deviations: Deviations | None = None
) -> Page:
    """One page of a short list held in memory, with the same keyset cursors, tokens and page rules as
    `run_list`. `rows` are (sort keys, JSON body) in ascending key order, the last key being the id;
    `query` comes from `parse_list_query` (its filters and sort are the caller's to apply)."""
    fired: set[str] = set()
    cursor = query.cursor
    backward = bool(cursor and cursor.backward)
    chosen = list(rows)
    if cursor is not None:
        if any(len(keys) != len(cursor.keys) for keys, _ in rows):
            raise invalid_parameter("Invalid page token.")
        mark = tuple(cursor.keys)
        try:
            if backward:
                chosen = [r for r in rows if r[0] < mark or (cursor.inclusive and r[0] == mark)][::-1]
            else:
                chosen = [r for r in rows if r[0] > mark or (cursor.inclusive and r[0] == mark)]
        except TypeError:  # a token whose keys are not of the list's types
            raise invalid_parameter("Invalid page token.") from None
    limit = _page_limit(query, deviations, fired)
    served = [(body, *keys) for keys, body in chosen[: limit + 1]]
    id_index = len(rows[0][0]) - 1 if rows else 0
    return _page(query, served, limit, id_index, deviations, fired)


def _page_limit(query: ListQuery, deviations: Deviations | None, fired: set[str]) -> int:
    """How many rows a page holds: `max` (or the default), unless `max_cap` cuts it."""
    if deviations is not None and 0 < deviations.max_cap < query.limit:
        fired.add("max_cap")
        return deviations.max_cap
    return query.limit


def _page(
    query: ListQuery,
    rows: list[tuple[Any, ...]],
    limit: int,
    id_index: int,
    deviations: Deviations | None,
    fired: set[str],
) -> Page:
    """A page from up to `limit + 1` rows (body, *sort keys) in the order the walk met them (backward:
    nearest the cursor first): the bodies in list order and the nextPage and prevPage tokens."""
    cursor = query.cursor
    backward = bool(cursor and cursor.backward)
    more = len(rows) > limit
    rows = list(rows[:limit])
    if backward:
        rows.reverse()
    bodies = [row[0] for row in rows]
    first = tuple(rows[0][1:]) if rows else None
    last = tuple(rows[-1][1:]) if rows else None

    if backward:
        next_token = (
            encode_cursor(cursor.keys, query.fingerprint, False, inclusive=not cursor.inclusive)
            if cursor
            else None
        )
        if last is not None:
            next_token = encode_cursor(last, query.fingerprint, False)
        prev_token = encode_cursor(first, query.fingerprint, True) if more and first is not None else None
    else:
        next_token = encode_cursor(last, query.fingerprint, False) if more and last is not None else None
        if next_token is None and deviations is not None and deviations.trailing_next_page:
            next_token = _trailing_token(query, last)
            if next_token is not None:
                fired.add("trailing_next_page")
        if cursor is None:
            prev_token = None
        elif first is not None:
            prev_token = encode_cursor(first, query.fingerprint, True)
        else:
            prev_token = encode_cursor(cursor.keys, query.fingerprint, True, inclusive=not cursor.inclusive)
    last_id = rows[-1][1 + id_index] if rows else None
    return Page(bodies, next_token, prev_token, frozenset(fired), last_id)


def _trailing_token(query: ListQuery, last: tuple[Any, ...] | None) -> str | None:
    """A nextPage for the last page (`trailing_next_page`): after its last row, or, on the empty page
    such a token leads to, the very token that led there, so it never ends."""
    if last is not None:
        return encode_cursor(last, query.fingerprint, False)
    cursor = query.cursor
    if cursor is None:
        return None  # an empty list's first page: no row to stand after
    return encode_cursor(cursor.keys, query.fingerprint, False, inclusive=cursor.inclusive)


def walk_ids(
    store: Any,
    resource: Resource,
    scope: str,
    query: ListQuery,
    parent_id: str | None = None,
    deviations: Deviations | None = None,
) -> list[str]:
    """The ids of every row of a list in the order a forward walk serves them (its cursor ignored)."""
    plan = _plan(resource, scope, query, parent_id, deviations)
    order = ", ".join(f"{expr} {'DESC' if desc else 'ASC'}" for expr, desc in plan.keys)
    sql = f"SELECT id FROM records WHERE {' AND '.join(plan.where)} ORDER BY {order}"
    return [row[0] for row in store.select_bodies(sql, plan.params)]


def _condition_sql(resource: Resource, condition: Condition) -> tuple[str, list[Any]]:
    expr = _expr(resource, condition.field)
    op = condition.op
    if op in _OPS_SQL:
        return f"{expr} {_OPS_SQL[op]} ?", [condition.values[0]]
    if op in {"in", "nin"}:
        marks = ", ".join("?" for _ in condition.values)
        return f"{expr} {'NOT IN' if op == 'nin' else 'IN'} ({marks})", list(condition.values)
    # sw: starts with, case-insensitive (assumption, see docs/emulator.md)
    escaped = str(condition.values[0]).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{expr} LIKE ? ESCAPE '\\'", [escaped + "%"]


def _keyset_sql(
    keys: list[tuple[str, bool]], values: tuple[Any, ...], backward: bool, inclusive: bool
) -> tuple[str, list[Any]]:
    """Rows strictly after (or before, walking backward) the row with these sort values."""
    directions = {desc != backward for _, desc in keys}
    if len(directions) == 1:
        # One direction for all keys: a row-value comparison SQLite can answer from an index.
        descending = directions.pop()
        op = ("<" if descending else ">") + ("=" if inclusive else "")
        columns = ", ".join(expr for expr, _ in keys)
        marks = ", ".join("?" for _ in keys)
        return f"({columns}) {op} ({marks})", list(values)
    clauses: list[str] = []
    params: list[Any] = []
    for i, (expr, desc) in enumerate(keys):
        parts = [f"{e} = ?" for e, _ in keys[:i]]
        parts.append(f"{expr} {'<' if desc != backward else '>'} ?")
        clauses.append("(" + " AND ".join(parts) + ")")
        params.extend(values[: i + 1])
    if inclusive:
        clauses.append("(" + " AND ".join(f"{e} = ?" for e, _ in keys) + ")")
        params.extend(values)
    return "(" + " OR ".join(clauses) + ")", params
