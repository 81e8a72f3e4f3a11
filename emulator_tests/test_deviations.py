"""Deviation knobs: lists answered the way a BILL that differs from its documents would answer them, one
deviation at a time and all together, on AP/AR, partner and Spend & Expense lists. With the knobs off the
other suites (test_lists, test_spend_expense, test_partner) hold the documented answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from bill_emulator import Deviations, EmulatorServer, EmulatorSettings, Limits, running_emulator
from bill_emulator.cli import main, parser, settings_from
from emulator_tests.wire import org_session

NO_LIMITS = Limits(None, None, None, None)


def settings(**knobs: Any) -> EmulatorSettings:
    """Tiny data, a fake clock and no rate limits: the walks here make many small calls."""
    return EmulatorSettings(
        scale="tiny", seed=11, fake_clock=True, limits=NO_LIMITS, deviations=Deviations(**knobs)
    )


@pytest.fixture(scope="module")
def server():
    with running_emulator(settings()) as running:
        yield running


@contextmanager
def deviating(server: EmulatorServer, **knobs: Any) -> Iterator[None]:
    """Turn knobs on for a block (they are read on every list call), with fresh counters."""
    server.emulator.settings.deviations = Deviations(**knobs)
    server.emulator.counters.reset()
    try:
        yield
    finally:
        server.emulator.settings.deviations = Deviations()


def spend_session(server: EmulatorServer) -> requests.Session:
    session = requests.Session()
    session.headers["apiToken"] = server.config("spend_expense")["credentials"]["api_token"]
    return session


def partner_session(server: EmulatorServer) -> requests.Session:
    creds = server.config("partner")["credentials"]
    body = {"username": creds["username"], "password": creds["password"], "appKey": creds["app_key"]}
    response = requests.post(f"{server.base_url}/v3/partner/login", json=body, timeout=30)
    assert response.status_code == 200, response.text
    session = requests.Session()
    session.headers.update({"appKey": creds["app_key"], "sessionId": response.json()["sessionId"]})
    return session


@pytest.fixture(scope="module")
def ap(server) -> requests.Session:
    return org_session(server)


@pytest.fixture(scope="module")
def se(server) -> requests.Session:
    return spend_session(server)


@pytest.fixture(scope="module")
def partner(server) -> requests.Session:
    return partner_session(server)


def pages(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    cursor: str = "page",
    stop_on_empty: bool = False,
    before_each: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Every page of a walk: follow nextPage until a page has none (or, `stop_on_empty`, no rows)."""
    params = dict(params or {})
    walked: list[dict[str, Any]] = []
    for _ in range(500):
        if before_each:
            before_each()
        response = session.get(url, params=params, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        walked.append(body)
        token = body.get("nextPage")
        if not token or (stop_on_empty and not body["results"]):
            return walked
        params[cursor] = token
    raise AssertionError("the walk did not end")


def rows(walked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for page in walked for row in page["results"]]


def ids(walked: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows(walked)]


def deviations_fired(server: EmulatorServer) -> dict[str, int]:
    return server.counters()["deviations"]


def org_id(server: EmulatorServer) -> str:
    return server.config("ap_ar")["credentials"]["organization_id"]


def company_id(server: EmulatorServer, se: requests.Session) -> str:
    return server.emulator.store.credentials("api_token", se.headers["apiToken"])[0][2]


def stamp(server: EmulatorServer, kind: str, object_id: str, **times: str) -> None:
    """Give a stored object chosen date-times (test data: rows a second apart, or within one)."""
    row = server.emulator.store.get(kind, object_id)
    assert row is not None
    server.emulator.store.replace(kind, {**row.body, **times})


def within_seconds(server: EmulatorServer, kind: str, chosen: list[str], field: str, day: str) -> None:
    """Two seconds of four rows each; inside a second the milliseconds follow neither the ids' order
    nor its reverse, so an order by milliseconds differs from the order by id either way."""
    millis = (500, 900, 300, 700)
    for position, object_id in enumerate(sorted(chosen)):
        second, slot = divmod(position, 4)
        stamp(server, kind, object_id, **{field: f"{day}T08:00:0{second}.{millis[slot]}+00:00"})


def seconds_order(listed: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    """What a BILL sorting at whole seconds serves: by the second, ties in id order."""
    by_id = sorted(listed, key=lambda row: row["id"])
    return [row["id"] for row in sorted(by_id, key=lambda row: row[field][:19], reverse=descending)]


# -- ignore_sort -----------------------------------------------------------------------------------------
def test_given_ignore_sort_when_listing_invoices_sorted_then_rows_come_in_id_order_filters_applied(
    server, ap
):
    url = f"{server.base_url}/v3/invoices"
    params = {"max": 7, "sort": "totalAmount:desc", "filters": "archived:eq:false"}
    documented = ids(pages(ap, url, params))
    with deviating(server, ignore_sort=True):
        walked = pages(ap, url, params)
        fired = deviations_fired(server)
    got = ids(walked)
    assert got == sorted(documented) != documented
    assert len(got) == len(set(got)) and all(not row["archived"] for row in rows(walked))
    assert fired == {"ignore_sort": len(walked)}


def test_given_ignore_sort_when_listing_spend_cards_and_partner_organizations_then_id_order(
    server, se, partner
):
    cards = f"{server.base_url}/v3/spend/cards"
    organizations = f"{server.base_url}/v3/partner/organizations"
    documented_cards = ids(pages(se, cards, {"max": 4, "sort": "name:desc"}, "nextPage"))
    documented_orgs = ids(pages(partner, organizations, {"max": 1, "sort": "name:desc"}))
    with deviating(server, ignore_sort=True):
        got_cards = ids(pages(se, cards, {"max": 4, "sort": "name:desc"}, "nextPage"))
        got_orgs = ids(pages(partner, organizations, {"max": 1, "sort": "name:desc"}))
    assert got_cards == sorted(documented_cards) != documented_cards
    assert got_orgs == sorted(documented_orgs)
    assert len(got_orgs) == 3


def test_given_ignore_sort_when_listing_without_sort_then_the_default_order_is_unchanged(server, ap):
    url = f"{server.base_url}/v3/invoices"
    documented = ids(pages(ap, url, {"max": 10}))
    with deviating(server, ignore_sort=True):
        assert ids(pages(ap, url, {"max": 10})) == documented
        assert deviations_fired(server) == {}


# -- sort_seconds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_given_sort_seconds_when_sorting_invoices_by_updated_time_then_seconds_then_id_order(
    server, ap, direction
):
    chosen = [r.id for r in server.emulator.store.find("invoices", org_id(server))][:8]
    within_seconds(server, "invoices", chosen, "updatedTime", "2030-01-01")
    url = f"{server.base_url}/v3/invoices"
    params = {"max": 3, "sort": f"updatedTime:{direction}", "filters": f'id:in:"{",".join(chosen)}"'}
    documented = rows(pages(ap, url, params))
    with deviating(server, sort_seconds=True):
        walked = pages(ap, url, params)
        fired = deviations_fired(server)
    expected = seconds_order(documented, "updatedTime", direction == "desc")
    assert ids(walked) == expected != [row["id"] for row in documented]
    assert sorted(ids(walked)) == sorted(chosen)  # every row exactly once over the walk
    assert fired == {"sort_seconds": len(walked)}


def test_given_sort_seconds_when_sorting_spend_transactions_by_occurred_time_then_seconds_then_id(server, se):
    chosen = [r.id for r in server.emulator.store.find("spend_transactions", company_id(server, se))][:8]
    within_seconds(server, "spend_transactions", chosen, "occurredTime", "2030-02-01")
    url = f"{server.base_url}/v3/spend/transactions"
    params = {"max": 3, "sort": "occurredTime:asc", "filters": f'transactionIds:in:"{",".join(chosen)}"'}
    documented = rows(pages(se, url, params, "nextPage"))
    with deviating(server, sort_seconds=True):
        walked = pages(se, url, params, "nextPage")
    assert ids(walked) == seconds_order(documented, "occurredTime", False) != [r["id"] for r in documented]
    assert sorted(ids(walked)) == sorted(chosen)


def test_given_sort_seconds_when_sorting_on_a_field_that_is_no_date_time_then_unchanged(server, ap):
    url = f"{server.base_url}/v3/invoices"
    params = {"max": 10, "sort": "totalAmount:desc"}
    documented = ids(pages(ap, url, params))
    with deviating(server, sort_seconds=True):
        assert ids(pages(ap, url, params)) == documented
        assert deviations_fired(server) == {}


# -- max_cap ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("asked", [None, 37, 100])
def test_given_max_cap_when_walking_invoices_then_pages_hold_at_most_the_cap_and_nothing_is_lost(
    server, ap, asked
):
    url = f"{server.base_url}/v3/invoices"
    params = {} if asked is None else {"max": asked}
    expected = {r.id for r in server.emulator.store.find("invoices", org_id(server))}
    with deviating(server, max_cap=7):
        walked = pages(ap, url, params)
        fired = deviations_fired(server)
    sizes = [len(page["results"]) for page in walked]
    assert sizes == [7] * (len(expected) // 7) + ([len(expected) % 7] if len(expected) % 7 else [])
    assert sorted(ids(walked)) == sorted(expected)
    assert "nextPage" not in walked[-1]
    assert fired == {"max_cap": len(walked)}


def test_given_max_cap_when_walking_spend_transactions_and_partner_organizations_then_capped(
    server, se, partner
):
    transactions = f"{server.base_url}/v3/spend/transactions"
    expected = {r.id for r in server.emulator.store.find("spend_transactions", company_id(server, se))}
    with deviating(server, max_cap=37):
        walked = pages(se, transactions, {"max": 50}, "nextPage")
    assert all(len(page["results"]) == 37 for page in walked[:-1]) and len(walked[-1]["results"]) <= 37
    assert sorted(ids(walked)) == sorted(expected)
    with deviating(server, max_cap=2):
        organizations = pages(partner, f"{server.base_url}/v3/partner/organizations", {"max": 100})
    assert [len(page["results"]) for page in organizations] == [2, 1]


def test_given_max_cap_above_the_asked_max_when_listing_then_max_rules(server, ap):
    with deviating(server, max_cap=37):
        body = ap.get(f"{server.base_url}/v3/invoices", params={"max": 5}).json()
        assert len(body["results"]) == 5 and "nextPage" in body
        assert deviations_fired(server) == {}


# -- filter_seconds --------------------------------------------------------------------------------------
FRACTIONS = ("12:00:00.200", "12:00:00.500", "12:00:00.800", "12:00:01.000")
BOUND = '"2031-01-01T12:00:00.500Z"'


@pytest.fixture(scope="module")
def stamped_invoices(server) -> list[str]:
    """Four invoices a few hundred milliseconds apart, around 2031-01-01T12:00:00.500Z."""
    chosen = [r.id for r in server.emulator.store.find("invoices", org_id(server))][10:14]
    for object_id, clock in zip(chosen, FRACTIONS, strict=True):
        stamp(server, "invoices", object_id, updatedTime=f"2031-01-01T{clock}+00:00")
    return chosen


@pytest.mark.parametrize(
    ("op", "documented", "at_seconds"),
    [
        ("gte", [1, 2, 3], [0, 1, 2, 3]),
        ("gt", [2, 3], [0, 1, 2, 3]),
        ("lte", [0, 1], []),
        ("lt", [0], []),
    ],
)
def test_given_filter_seconds_when_filtering_invoices_on_updated_time_then_the_bound_loses_its_millis(
    server, ap, stamped_invoices, op, documented, at_seconds
):
    url = f"{server.base_url}/v3/invoices"
    params = {"max": 100, "filters": f'id:in:"{",".join(stamped_invoices)}",updatedTime:{op}:{BOUND}'}
    assert set(ids(pages(ap, url, params))) == {stamped_invoices[i] for i in documented}
    with deviating(server, filter_seconds=True):
        assert set(ids(pages(ap, url, params))) == {stamped_invoices[i] for i in at_seconds}
        assert deviations_fired(server) == {"filter_seconds": 1}


def test_given_filter_seconds_when_the_bound_has_no_milliseconds_then_unchanged(server, ap, stamped_invoices):
    url = f"{server.base_url}/v3/invoices"
    params = {"filters": f'id:in:"{",".join(stamped_invoices)}",updatedTime:gte:"2031-01-01T12:00:00Z"'}
    with deviating(server, filter_seconds=True):
        assert set(ids(pages(ap, url, params))) == set(stamped_invoices)
        assert deviations_fired(server) == {}


@pytest.mark.parametrize(
    ("op", "documented", "at_seconds"), [("gte", [1, 2, 3], [0, 1, 2, 3]), ("lte", [0, 1], [])]
)
def test_given_filter_seconds_when_filtering_spend_transactions_on_updated_time_then_bound_at_seconds(
    server, se, op, documented, at_seconds
):
    chosen = [r.id for r in server.emulator.store.find("spend_transactions", company_id(server, se))][20:24]
    for object_id, clock in zip(chosen, FRACTIONS, strict=True):
        stamp(server, "spend_transactions", object_id, updatedTime=f"2031-01-01T{clock}+00:00")
    url = f"{server.base_url}/v3/spend/transactions"
    params = {"filters": f'transactionIds:in:"{",".join(chosen)}",updatedTime:{op}:{BOUND}'}
    assert set(ids(pages(se, url, params, "nextPage"))) == {chosen[i] for i in documented}
    with deviating(server, filter_seconds=True):
        assert set(ids(pages(se, url, params, "nextPage"))) == {chosen[i] for i in at_seconds}


# -- trailing_next_page ----------------------------------------------------------------------------------
def assert_endless_tail(
    session: requests.Session, url: str, params: dict[str, Any], cursor: str, expected: set[str]
) -> None:
    """Rows end on a page that still has a nextPage; it leads to an empty page that hands the same token
    back, so following it never ends."""
    walked = pages(session, url, params, cursor, stop_on_empty=True)
    assert not walked[-1]["results"] and all(page["results"] for page in walked[:-1])
    assert sorted(ids(walked)) == sorted(expected)
    token = walked[-1]["nextPage"]
    assert token and token == walked[-2]["nextPage"]
    again = session.get(url, params={**params, cursor: token}, timeout=30).json()
    assert again["results"] == [] and again["nextPage"] == token
    assert again == walked[-1]


def test_given_trailing_next_page_when_walking_invoices_then_last_page_leads_to_an_endless_empty_page(
    server, ap
):
    expected = {r.id for r in server.emulator.store.find("invoices", org_id(server))}
    assert len(expected) % 10 == 0  # the last page of rows is full: only the knob gives it a nextPage
    with deviating(server, trailing_next_page=True):
        assert_endless_tail(ap, f"{server.base_url}/v3/invoices", {"max": 10}, "page", expected)
        # The last page of rows, the empty page, and the empty page once more.
        assert deviations_fired(server) == {"trailing_next_page": 3}


def test_given_trailing_next_page_when_walking_spend_and_partner_lists_then_endless_empty_tail(
    server, se, partner
):
    cards = {r.id for r in server.emulator.store.find("spend_cards", company_id(server, se))}
    partner_id = server.emulator.credentials["partner"]["partner_id"]
    organizations = {r.id for r in server.emulator.store.find("organizations", partner_id)}
    with deviating(server, trailing_next_page=True):
        assert_endless_tail(se, f"{server.base_url}/v3/spend/cards", {"max": 5}, "nextPage", cards)
        assert_endless_tail(
            partner, f"{server.base_url}/v3/partner/organizations", {"max": 100}, "page", organizations
        )


def test_given_trailing_next_page_when_following_prev_page_from_the_empty_page_then_the_last_rows(server, ap):
    url = f"{server.base_url}/v3/invoices"
    with deviating(server, trailing_next_page=True):
        walked = pages(ap, url, {"max": 10}, stop_on_empty=True)
        back = ap.get(url, params={"max": 10, "page": walked[-1]["prevPage"]}).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in walked[-2]["results"]]


# -- update_during_walk ----------------------------------------------------------------------------------
def walk_while_editing(
    server: EmulatorServer, session: requests.Session, url: str, params: dict[str, Any], cursor: str
) -> list[dict[str, Any]]:
    """A walk during which a second passes before each page, so each page's edits are later than the last."""
    return pages(session, url, params, cursor, before_each=lambda: server.emulator.advance_clock(1))


def assert_nothing_lost_and_edits_move_to_the_end(
    server: EmulatorServer, kind: str, scope: str, walked: list[dict[str, Any]], per_page: int
) -> None:
    stored = {r.id: r.body["updatedTime"] for r in server.emulator.store.find(kind, scope)}
    served = rows(walked)
    assert set(stored) == {row["id"] for row in served}, "a row was skipped"
    keys = [(row["updatedTime"], row["id"]) for row in served]
    assert keys == sorted(keys), "the walk is not in updatedTime order"
    last_served = {row["id"]: row["updatedTime"] for row in served}
    assert last_served == stored, "a row's last version was not served"
    repeated = {object_id for object_id, times in Counter(row["id"] for row in served).items() if times > 1}
    assert repeated, "no row already served was edited"
    assert deviations_fired(server) == {"update_during_walk": per_page * (len(walked) - 1)}


def test_given_update_during_walk_when_walking_invoices_by_updated_time_then_edited_rows_move_to_the_end():
    with running_emulator(settings(update_during_walk=2)) as server:
        session = org_session(server)
        started = server.emulator.context(None).now()
        url = f"{server.base_url}/v3/invoices"
        walked = walk_while_editing(server, session, url, {"max": 5, "sort": "updatedTime:asc"}, "page")
        assert_nothing_lost_and_edits_move_to_the_end(server, "invoices", org_id(server), walked, 2)
        # Edited rows not yet served appear once, with their new updatedTime; rows served before
        # their edit appear twice, old version first.
        served = rows(walked)
        edited = {row["id"] for row in served if row["updatedTime"] > started}
        again = {i for i, n in Counter(row["id"] for row in served).items() if n > 1}
        assert again < edited  # some edited rows were still ahead: served once, edited


def test_given_update_during_walk_when_walking_spend_cards_by_updated_time_then_nothing_is_lost():
    with running_emulator(settings(update_during_walk=2)) as server:
        se = spend_session(server)
        url = f"{server.base_url}/v3/spend/cards"
        walked = walk_while_editing(server, se, url, {"max": 4, "sort": "updatedTime:asc"}, "nextPage")
        assert_nothing_lost_and_edits_move_to_the_end(
            server, "spend_cards", company_id(server, se), walked, 2
        )


def test_given_update_during_walk_when_walking_in_creation_order_then_every_row_exactly_once():
    with running_emulator(settings(update_during_walk=3)) as server:
        session = org_session(server)
        expected = {r.id for r in server.emulator.store.find("invoices", org_id(server))}
        walked = walk_while_editing(server, session, f"{server.base_url}/v3/invoices", {"max": 6}, "page")
        got = ids(walked)
        assert sorted(got) == sorted(expected)
        assert deviations_fired(server) == {"update_during_walk": 3 * (len(walked) - 1)}
        stored = {r.id: r.body["updatedTime"] for r in server.emulator.store.find("invoices", org_id(server))}
        assert (
            sum(stored[row["id"]] != row["updatedTime"] for row in rows(walked)) > 0
        )  # edited after serving


def test_given_update_during_walk_when_walking_newest_first_then_rows_edited_ahead_jump_behind_the_cursor():
    with running_emulator(settings(update_during_walk=2)) as server:
        session = org_session(server)
        started = server.emulator.context(None).now()
        url = f"{server.base_url}/v3/invoices"
        walked = walk_while_editing(server, session, url, {"max": 5, "sort": "updatedTime:desc"}, "page")
        served = rows(walked)
        stored = {r.id: r.body["updatedTime"] for r in server.emulator.store.find("invoices", org_id(server))}
        assert len(served) == len({row["id"] for row in served}) < len(stored)
        unserved = set(stored) - {row["id"] for row in served}
        assert all(stored[object_id] > started for object_id in unserved)  # edited while still ahead


# -- all together, and off -------------------------------------------------------------------------------
ALL = {
    "ignore_sort": True,
    "sort_seconds": True,
    "max_cap": 7,
    "filter_seconds": True,
    "trailing_next_page": True,
    "update_during_walk": 2,
}


def test_given_every_deviation_when_walking_invoices_and_spend_transactions_then_nothing_is_lost():
    with running_emulator(settings(**ALL)) as server:
        ap, se = org_session(server), spend_session(server)
        invoices = {r.id for r in server.emulator.store.find("invoices", org_id(server))}
        transactions = {
            r.id for r in server.emulator.store.find("spend_transactions", company_id(server, se))
        }
        since = '"2000-01-01T00:00:00.500Z"'
        walked = pages(
            ap,
            f"{server.base_url}/v3/invoices",
            {"max": 37, "sort": "updatedTime:asc", "filters": f"updatedTime:gte:{since}"},
            stop_on_empty=True,
            before_each=lambda: server.emulator.advance_clock(1),
        )
        got = ids(walked)
        assert got == sorted(invoices)  # id order: the sort was ignored, edits move nothing
        assert all(len(page["results"]) <= 7 for page in walked) and walked[-1]["nextPage"]
        spend = pages(
            se,
            f"{server.base_url}/v3/spend/transactions",
            {"max": 50, "sort": "occurredTime:desc", "filters": f"updatedTime:gte:{since}"},
            "nextPage",
            stop_on_empty=True,
        )
        assert ids(spend) == sorted(transactions)
        fired = deviations_fired(server)
        assert set(fired) == set(ALL) - {"sort_seconds"}  # no sort to truncate: it was ignored
        server.emulator.settings.deviations.ignore_sort = False
        seconds = pages(
            ap,
            f"{server.base_url}/v3/invoices",
            {"sort": "updatedTime:asc"},
            stop_on_empty=True,
            before_each=lambda: server.emulator.advance_clock(1),
        )
        assert set(ids(seconds)) >= invoices
        assert deviations_fired(server)["sort_seconds"] == len(seconds)


def test_given_no_deviation_when_walking_then_no_deviation_is_counted(server, ap, se):
    server.emulator.counters.reset()
    pages(ap, f"{server.base_url}/v3/invoices", {"max": 7, "sort": "updatedTime:asc"})
    pages(se, f"{server.base_url}/v3/spend/cards", {"max": 7, "sort": "updatedTime:asc"}, "nextPage")
    assert deviations_fired(server) == {}
    assert not server.emulator.settings.deviations.any()


# -- the command line ------------------------------------------------------------------------------------
def test_given_deviation_flags_when_parsed_then_settings_carry_the_knobs():
    args = parser().parse_args(
        [
            "serve",
            "--deviation",
            "ignore_sort",
            "--deviation",
            "sort_seconds=true",
            "--deviation",
            "max_cap=37",
            "--deviation",
            "filter_seconds",
            "--deviation",
            "trailing_next_page",
            "--deviation",
            "update_during_walk=2",
        ]
    )
    assert settings_from(args).deviations == Deviations(**{**ALL, "max_cap": 37})
    assert settings_from(parser().parse_args(["serve"])).deviations == Deviations()


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("sort_by_magic", "unknown deviation 'sort_by_magic'"),
        ("max_cap", "max_cap=N"),
        ("max_cap=lots", "max_cap=N"),
        ("ignore_sort=maybe", "true/false"),
    ],
)
def test_given_a_bad_deviation_flag_when_serving_then_an_error_naming_the_allowed_knobs(
    capsys, flag, message
):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--deviation", flag])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error
    if flag == "sort_by_magic":
        assert (
            "ignore_sort, sort_seconds, max_cap, filter_seconds, trailing_next_page, update_during_walk"
            in error
        )
