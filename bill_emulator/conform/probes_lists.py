"""Probes of lists: the envelope and page tokens, `max`, `updatedTime` filters, sort, default order,
archived records and error answers. Each reads one list (the "subject": invoices when it has data)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from bill_emulator.conform.lists import ARCHIVE_CANDIDATES, ListSpec, spec
from bill_emulator.conform.probe import Observation, Probe, show
from bill_emulator.conform.shapes import (
    FILTER_FORMATS,
    error_facts,
    floor_to,
    id_shape,
    parse_time,
    utc_ms,
    z_ms,
)
from bill_emulator.conform.side import Page, Refused, Side, Skip

DOCS_LISTS = "docs/emulator.md#what-it-serves (Lists)"
DOCS_KNOBS = "docs/emulator.md#deviation-knobs"
DOCS_ASSUMPTIONS = "docs/emulator.md#assumptions"
DOCS_SPEND = "docs/emulator.md#spend--expense (Lists)"
_MS = timedelta(milliseconds=1)
_LONG_AGO = '"2000-01-01T00:00:00.000Z"'


def _attempt(fetch: Callable[[], Page]) -> Page | str:
    """The page, or how the request was refused (itself a fact)."""
    try:
        return fetch()
    except Refused as refused:
        return refused.answer.summary()


def _ends(page: Page) -> dict[str, Any]:
    return {
        "keys": page.keys,
        "rows": len(page.rows),
        "nextPage": page.marker("nextPage"),
        "prevPage": page.marker("prevPage"),
    }


def _two_ids(side: Side) -> tuple[ListSpec, list[str]]:
    list_spec, page = side.subject()
    ids = [value for value in page.ids if isinstance(value, str)][:2]
    if len(ids) < 2:
        raise Skip(f"{side.label} has {len(ids)} record(s) in {list_spec.path}; paging needs two")
    return list_spec, ids


def _anchor(side: Side) -> tuple[ListSpec, dict[str, Any], datetime]:
    """A record of the subject list to filter on, and its updatedTime: when there is a choice, not one
    of the first two records and not at a .999 millisecond (so a bound 1 ms later stays in its second)."""
    list_spec, page = side.subject()
    if not list_spec.time_ops:
        raise Skip(f"BILL documents no updatedTime filter on {list_spec.path}")
    dated = [
        (index, row, parse_time(row.get("updatedTime")))
        for index, row in enumerate(page.rows)
        if isinstance(row.get("id"), str) and parse_time(row.get("updatedTime"))
    ]
    if not dated:
        raise Skip(f"no record of {list_spec.path} on {side.label} has an updatedTime")
    # Not one of the two records list_envelope pages through (a BILL may touch what it pages).
    dated.sort(key=lambda item: (item[0] < 2, utc_ms(item[2]).microsecond // 1000 == 999))  # type: ignore[arg-type]
    _, row, moment = dated[0]
    assert moment is not None
    return list_spec, row, utc_ms(moment)


def _finds(side: Side, list_spec: ListSpec, row_id: str, clauses: list[str]) -> str:
    filters = ",".join([f"{list_spec.id_filter}:eq:{row_id}", *clauses])
    result = _attempt(lambda: side.page(list_spec, [("filters", filters)]))
    if isinstance(result, str):
        return result
    return "finds the record" if row_id in result.ids else "misses the record"


# -- the envelope and page tokens ---------------------------------------------------------------
def list_envelope(side: Side) -> Observation:
    observation = Observation()
    list_spec, ids = _two_ids(side)
    pick = ("filters", f'{list_spec.id_filter}:in:"{ids[0]},{ids[1]}"')
    first = side.page(list_spec, [("max", "1"), pick])
    observation.facts["first page"] = _ends(first)
    token = first.token("nextPage")
    if token is None:
        observation.facts["last page"] = "no nextPage leads to it"
        return observation
    last = side.page(list_spec, [("max", "1"), pick, (list_spec.cursor, token)])
    observation.facts["last page"] = _ends(last)
    observation.facts["pages share a record"] = "yes" if set(first.ids) & set(last.ids) else "no"
    trailing = last.token("nextPage")
    if trailing:
        after = _attempt(lambda: side.page(list_spec, [("max", "1"), pick, (list_spec.cursor, trailing)]))
        if isinstance(after, str):
            observation.facts["the last page's nextPage leads to"] = after
        elif after.rows:
            observation.facts["the last page's nextPage leads to"] = f"{len(after.rows)} more record(s)"
        else:
            again = after.token("nextPage")
            observation.facts["the last page's nextPage leads to"] = "an empty page with " + (
                "the same nextPage again"
                if again == trailing
                else "another nextPage"
                if again
                else "no nextPage"
            )
    previous = last.token("prevPage")
    if previous:
        back = _attempt(lambda: side.page(list_spec, [("max", "1"), pick, (list_spec.prev_cursor, previous)]))
        observation.facts["the last page's prevPage leads to"] = (
            back if isinstance(back, str) else "the first page" if back.ids == first.ids else "other records"
        )
    if list_spec.time_ops:
        nothing = f"updatedTime:lte:{_LONG_AGO}"
    else:
        nothing = f"{list_spec.id_filter}:eq:{_unknown_id(ids[0])}"
    empty = _attempt(lambda: side.page(list_spec, [("filters", nothing)]))
    observation.facts["a list with no records"] = empty if isinstance(empty, str) else _ends(empty)
    observation.notes["list"] = list_spec.path
    return observation


# -- max ---------------------------------------------------------------------------------------
def page_size(side: Side) -> Observation:
    observation = Observation()
    list_spec, page = side.subject()
    path, headers = side.path_of(list_spec), side.list_headers(list_spec)
    for value in ("0", str(list_spec.max_page + 1)):
        observation.facts[f"max={value}"] = side.get(path, [("max", value)], headers).summary()
    asked, count, token = list_spec.max_page, len(page.rows), page.token("nextPage")
    bound = f"max={asked}"
    if count > asked:
        observation.facts[bound] = f"more records than asked ({count})"
    elif token and count < asked:
        following = _attempt(lambda: side.page(list_spec, [("max", str(asked)), (list_spec.cursor, token)]))
        if isinstance(following, Page) and not following.rows:
            observation.facts[bound] = "honoured"
            observation.notes[bound] = f"{count} records and a nextPage that leads to an empty page"
        else:
            observation.facts[bound] = f"capped: {count} records and a nextPage"
    else:
        observation.facts[bound] = "honoured"
        if not token:
            observation.notes[bound] = f"the list has {count} records: a cap above {count} would not show"
    default = side.page(list_spec)
    if default.token("nextPage"):
        observation.facts["no max"] = f"{len(default.rows)} records a page"
    elif len(default.rows) > 20:
        observation.facts["no max"] = f"more than 20 records a page ({len(default.rows)})"
    else:
        observation.unknown["no max"] = (
            f"{list_spec.path} has {len(default.rows)} records, all on one page: the default size cannot be seen"
        )
    observation.notes["list"] = list_spec.path
    return observation


# -- updatedTime filters -----------------------------------------------------------------------
def updated_time_formats(side: Side) -> Observation:
    observation = Observation()
    list_spec, row, moment = _anchor(side)
    for label, unit, render in FILTER_FORMATS:
        low = floor_to(moment, unit)
        if "lt" in list_spec.time_ops:
            high = f'updatedTime:lt:"{render(low + unit)}"'
        else:
            high = f'updatedTime:lte:"{z_ms(low + unit - _MS)}"'
        observation.facts[label] = _finds(
            side, list_spec, row["id"], [f'updatedTime:gte:"{render(low)}"', high]
        )
    observation.notes["list"] = list_spec.path
    observation.notes["window"] = (
        "the record's own updatedTime cut to each format's precision, up to one unit later (gte … lt, S&E gte … lte)"
    )
    return observation


def updated_time_bounds(side: Side) -> Observation:
    observation = Observation()
    list_spec, row, moment = _anchor(side)
    for op in ("gte", "gt", "lte", "lt"):
        if op in list_spec.time_ops:
            observation.facts[f"updatedTime:{op}:<its own updatedTime>"] = _finds(
                side, list_spec, row["id"], [f'updatedTime:{op}:"{z_ms(moment)}"']
            )
    fact = "updatedTime:gte:<1 ms after it>"
    if moment.microsecond // 1000 == 999:
        observation.unknown[fact] = "the record's updatedTime ends in .999: 1 ms later is the next second"
    else:
        found = _finds(side, list_spec, row["id"], [f'updatedTime:gte:"{z_ms(moment + _MS)}"'])
        observation.facts[fact] = {
            "misses the record": "misses the record (milliseconds of a bound kept)",
            "finds the record": "finds the record (the bound cut to its second)",
        }.get(found, found)
    observation.notes["list"] = list_spec.path
    return observation


# -- sort and default order --------------------------------------------------------------------
def _order_of(rows: list[dict[str, Any]], field: str) -> tuple[str, int]:
    """How rows sorted by `field` ascending came, and how many adjacent pairs shared a second with
    different milliseconds (only those tell millisecond from second precision apart)."""
    keyed = [(parse_time(row.get(field)), str(row.get("id"))) for row in rows]
    pairs = list(pairwise(keyed))
    second = [(floor_to(a[0], timedelta(seconds=1)), floor_to(b[0], timedelta(seconds=1))) for a, b in pairs]  # type: ignore[arg-type]
    telling = sum(1 for (a, b), (sa, sb) in zip(pairs, second, strict=True) if sa == sb and a[0] != b[0])
    if all(a[0] <= b[0] for a, b in pairs):  # type: ignore[operator]
        return f"by {field}, ascending", telling
    if all(sa < sb or (sa == sb and a[1] <= b[1]) for (a, b), (sa, sb) in zip(pairs, second, strict=True)):
        return f"by {field} to the second, records within one second by id", telling
    if all(a[1] <= b[1] for a, b in pairs):
        return "by id: the sort is not applied", telling
    return f"neither by {field} nor by id", telling


def sort_by_time(side: Side) -> Observation:
    observation = Observation()
    list_spec, _ = side.subject()
    field = list_spec.sort_field
    if not field:
        raise Skip(f"BILL documents no date-time sort on {list_spec.path}")
    sort = f"{field}:asc"
    page = side.page(list_spec, [("sort", sort), ("max", str(list_spec.max_page))])
    rows = [row for row in page.rows if parse_time(row.get(field)) and isinstance(row.get("id"), str)]
    if len(rows) < 2:
        raise Skip(f"{side.label} has {len(rows)} record(s) with a {field} in {list_spec.path}")
    order, telling = _order_of(rows, field)
    observation.facts[f"sort={sort}"] = order
    observation.notes["list"] = list_spec.path
    observation.notes["records"] = len(rows)
    observation.notes["neighbours within one second"] = telling
    if telling == 0 and order.endswith("ascending"):
        observation.notes["second precision"] = (
            "no two records shared a second, so a sort to the second could not be told apart"
        )
    return observation


def default_order(side: Side) -> Observation:
    observation = Observation()
    list_spec, page = side.subject()
    fits = []
    for key in list_spec.order_keys:
        values = [row.get("id") if key == "id" else parse_time(row.get(key)) for row in page.rows]
        if len(values) < 3 or any(value is None for value in values) or len(set(values)) < 2:
            continue
        pairs = list(pairwise(values))
        if all(a <= b for a, b in pairs):
            fits.append(f"{key} ascending")
        if all(a >= b for a, b in pairs):
            fits.append(f"{key} descending")
    if len(page.rows) < 3:
        observation.unknown["order without sort"] = f"{list_spec.path} has {len(page.rows)} record(s)"
    else:
        observation.facts["order without sort"] = fits or ["none of " + ", ".join(list_spec.order_keys)]
    observation.notes["list"] = list_spec.path
    observation.notes["records"] = len(page.rows)
    return observation


def compare_orders(bill: Observation, emulator: Observation) -> list[str] | None:
    """Agree when one order explains both pages (a short page fits several)."""
    key = "order without sort"
    if key not in bill.facts or key not in emulator.facts:
        return None
    if set(bill.facts[key]) & set(emulator.facts[key]):
        return []
    return [f"{key}: BILL's page fits {show(bill.facts[key])}, the emulator's {show(emulator.facts[key])}"]


# -- archived records --------------------------------------------------------------------------
def archived_in_lists(side: Side) -> Observation:
    observation = Observation()
    tried = []
    for name in ARCHIVE_CANDIDATES[side.family]:
        list_spec = spec(side.family, name)
        flag = list_spec.archive_flag
        tried.append(list_spec.path)
        archived = _attempt(lambda: side.page(list_spec, [("filters", f"{flag}:eq:true"), ("max", "1")]))  # noqa: B023
        if isinstance(archived, str):
            observation.notes[f"{list_spec.path}?filters={flag}:eq:true"] = archived
            continue
        if archived.rows and isinstance(archived.rows[0].get("id"), str):
            break
    else:
        raise Skip(f"{side.label} has no archived records in {', '.join(tried)}")
    record = archived.rows[0]
    fact = f"an archived record in a list that does not filter on {flag}"
    observation.facts[f"filters={flag}:eq:true"] = (
        "archived records" if record.get(flag) is True else "a record that is not archived"
    )
    plain = side.first_page(list_spec)
    if any(row.get(flag) is True for row in plain.rows):
        observation.facts[fact] = "listed"
        observation.notes["seen"] = f"on the first page of {list_spec.path}"
    elif not plain.token("nextPage"):
        observation.facts[fact] = "listed" if record["id"] in plain.ids else "not listed"
        observation.notes["seen"] = f"the whole of {list_spec.path} is one page"
    else:
        found = _finds(side, list_spec, record["id"], [])
        observation.facts[fact] = {"finds the record": "listed", "misses the record": "not listed"}.get(
            found, found
        )
        observation.notes["seen"] = f"{list_spec.path}?filters={list_spec.id_filter}:eq:<its id>"
    observation.notes["list"] = list_spec.path
    return observation


# -- error answers -----------------------------------------------------------------------------
def _unknown_id(known: str) -> str:
    """An id of the same format as `known` that names nothing."""
    shape = id_shape(known)
    if shape.endswith("15 letters and digits"):
        return known[:5] + "0" * 15
    if shape.startswith("base64 of"):
        kind = base64.b64decode(known + "=" * (-len(known) % 4), altchars=b"-_").decode().split(":")[0]
        return base64.b64encode(f"{kind}:999999999999".encode()).decode().rstrip("=")
    return "0" * max(len(known), 20)


def error_envelopes(side: Side) -> Observation:
    observation = Observation()
    list_spec, page = side.subject()
    path, headers = side.path_of(list_spec), side.list_headers(list_spec)
    cases: list[tuple[str, str, list[tuple[str, str]], dict[str, str]]] = [
        ("a filter on an unknown field", path, [("filters", "conformNoSuchField:eq:1")], headers),
        ("a page token BILL never issued", path, [(list_spec.cursor, "conform-not-a-page-token")], headers),
    ]
    item_spec, item_page = list_spec, page
    if side.family == "partner":  # partner organizations have no GET by id: ask for a user instead
        item_spec = spec("partner", "partner_users")
        item_page = side.first_page(item_spec)
    known = next((value for value in item_page.ids if isinstance(value, str)), None)
    if known is None:
        observation.unknown["an unknown id"] = f"no record in {item_spec.path} to make an id like"
    else:
        item_path = f"{side.path_of(item_spec)}/{_unknown_id(known)}"
        cases.insert(1, ("an unknown id", item_path, [], side.list_headers(item_spec)))
    for name, case_path, params, case_headers in cases:
        answer = side.get(case_path, params, case_headers)
        observation.facts[name] = error_facts(answer)
        if answer.message:
            observation.notes[f"{name} message"] = answer.message
    observation.notes["list"] = list_spec.path
    return observation


# -- Spend & Expense cursors -------------------------------------------------------------------
def spend_pagination(side: Side) -> Observation:
    observation = Observation()
    list_spec, _ = side.subject()
    first = side.page(list_spec, [("max", "1")])
    token = first.token("nextPage")
    if not token:
        raise Skip(f"{side.label} has one record in {list_spec.path}: no nextPage to follow")
    ahead = side.page(list_spec, [("max", "1"), ("nextPage", token)])
    observation.facts["nextPage=<token>"] = (
        "the first page again"
        if ahead.ids == first.ids
        else "the next page"
        if ahead.rows
        else "an empty page"
    )
    observation.facts["prevPage of that page"] = ahead.marker("prevPage")
    wrong = _attempt(lambda: side.page(list_spec, [("max", "1"), ("page", token)]))
    observation.facts["page=<token> (the AP/AR parameter)"] = (
        wrong
        if isinstance(wrong, str)
        else "ignored: the first page again"
        if wrong.ids == first.ids
        else "taken as the cursor"
        if wrong.ids == ahead.ids
        else "other records"
    )
    observation.notes["list"] = list_spec.path
    return observation


ALL = frozenset({"ap_ar", "partner", "spend"})
PROBES = (
    Probe(
        "list_envelope",
        "A list answers {results, nextPage, prevPage} with nextPage and prevPage omitted (not null) where "
        "there is no such page: the first page has no prevPage, the last no nextPage (BILL's documented "
        "end of a list; the trailing_next_page knob imitates a BILL whose last page has one, leading to "
        "an empty page that still carries a token); a page's prevPage leads back; an empty list is {results: []}.",
        f"{DOCS_LISTS}; {DOCS_KNOBS} (trailing_next_page)",
        ALL,
        list_envelope,
    ),
    Probe(
        "page_size",
        "max takes 1 to 100 (S&E transactions 1 to 50): 0 and 101 (51) answer 400 BDC_1116; a page holds "
        "as many records as max asks (the max_cap knob imitates a BILL that caps it lower, silently); "
        "without max a page holds 20.",
        f"{DOCS_LISTS}; {DOCS_KNOBS} (max_cap); {DOCS_ASSUMPTIONS} (Error codes)",
        ALL,
        page_size,
    ),
    Probe(
        "updated_time_formats",
        "updatedTime filters take every documented format (yyyy-MM-dd'T'HH:mm:ss.SSSX, …SSS, …ss, …mm, "
        "yyyy-MM-dd), quoted, and a zone-less value is UTC.",
        f"{DOCS_LISTS}; {DOCS_ASSUMPTIONS} (Zone-less filter timestamps are UTC)",
        ALL,
        updated_time_formats,
    ),
    Probe(
        "updated_time_bounds",
        "updatedTime bounds are exact to the millisecond: gte and lte include the bound, gt and lt do "
        "not (the filter_seconds knob imitates a BILL that drops a bound's milliseconds).",
        f"{DOCS_LISTS}; {DOCS_KNOBS} (filter_seconds)",
        ALL,
        updated_time_bounds,
    ),
    Probe(
        "sort_by_time",
        "sort=updatedTime:asc (S&E transactions: occurredTime:asc) orders by the date-time to the "
        "millisecond (the ignore_sort knob imitates a BILL that does not apply sort, sort_seconds one "
        "that sorts to the second with ties in id order).",
        f"{DOCS_LISTS}; {DOCS_KNOBS} (ignore_sort, sort_seconds)",
        ALL,
        sort_by_time,
    ),
    Probe(
        "default_order",
        "A list without sort comes in creation order (createdTime, then id).",
        f"{DOCS_ASSUMPTIONS} (Default order)",
        ALL,
        default_order,
        compare_orders,
    ),
    Probe(
        "archived_in_lists",
        "Archived records (S&E: retired) are in lists unless filtered out (archived:eq:false).",
        f"{DOCS_ASSUMPTIONS} (Archived records)",
        ALL,
        archived_in_lists,
    ),
    Probe(
        "error_envelopes",
        "Errors answer BILL's envelope, a JSON array of {timestamp, code, severity, category, message}: "
        "a filter on an unknown field and a bad page token 400 BDC_1116, an unknown id 404 BDC_1118.",
        f"{DOCS_ASSUMPTIONS} (Error codes without a documented code; Page tokens); docs/emulator.md#what-it-serves (Errors)",
        ALL,
        error_envelopes,
    ),
    Probe(
        "spend_pagination",
        "Spend & Expense lists take the cursor as nextPage=/prevPage= query parameters; page= (the AP/AR "
        "name) is ignored like any unknown parameter.",
        f"{DOCS_LISTS}; {DOCS_SPEND}",
        frozenset({"spend"}),
        spend_pagination,
    ),
)
