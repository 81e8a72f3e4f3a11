"""Pagination, filters and sort, as BILL documents them."""

from __future__ import annotations

import pytest
import requests

from bill_emulator import EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, org_session, walk


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", seed=11)) as running:
        yield running


@pytest.fixture(scope="module")
def session(server) -> requests.Session:
    return org_session(server)


def test_given_every_page_size_when_walking_invoices_then_full_set_without_duplicates_or_gaps(
    server, session
):
    expected = {
        r.id
        for r in server.emulator.store.find(
            "invoices", server.config("ap_ar")["credentials"]["organization_id"]
        )
    }
    assert len(expected) >= 40
    for size in range(1, 101):
        ids = [r["id"] for r in walk(session, f"{server.base_url}/v3/invoices", {"max": size})]
        assert len(ids) == len(set(ids)), f"duplicates at max={size}"
        assert set(ids) == expected, f"gap at max={size}"


def test_given_no_max_when_listing_then_twenty_per_page(server, session):
    body = session.get(f"{server.base_url}/v3/invoices").json()
    assert len(body["results"]) == 20
    assert "nextPage" in body and "prevPage" not in body


@pytest.mark.parametrize("size", ["0", "101", "-1", "ten"])
def test_given_max_outside_1_to_100_when_listing_then_400_in_bill_envelope(server, session, size):
    assert_bill_error(session.get(f"{server.base_url}/v3/customers", params={"max": size}), 400)


def test_given_last_page_when_listing_then_next_page_key_is_omitted(server, session):
    body = session.get(f"{server.base_url}/v3/customers", params={"max": 100}).json()
    assert "nextPage" not in body and "prevPage" not in body


def test_given_next_then_prev_when_paging_then_prev_returns_the_previous_page(server, session):
    url = f"{server.base_url}/v3/invoices"
    first = session.get(url, params={"max": 5, "sort": "totalAmount:desc"}).json()
    second = session.get(url, params={"max": 5, "sort": "totalAmount:desc", "page": first["nextPage"]}).json()
    back = session.get(url, params={"max": 5, "sort": "totalAmount:desc", "page": second["prevPage"]}).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert {r["id"] for r in second["results"]}.isdisjoint(r["id"] for r in first["results"])


def test_given_a_cursor_from_another_query_when_listing_then_400(server, session):
    url = f"{server.base_url}/v3/invoices"
    token = session.get(url, params={"max": 5}).json()["nextPage"]
    assert_bill_error(session.get(url, params={"max": 5, "page": token, "sort": "dueDate:asc"}), 400)
    assert_bill_error(session.get(url, params={"max": 5, "page": "not-a-token"}), 400)


@pytest.mark.parametrize(
    "value",
    [
        '"2025-01-01T00:00:00.000Z"',
        '"2025-01-01T00:00:00.000+00:00"',
        '"2025-01-01T00:00:00.000"',
        '"2025-01-01T00:00:00"',
        '"2025-01-01T00:00"',
        '"2025-01-01"',
        "2025-01-01",
    ],
)
def test_given_each_documented_date_format_when_filtering_updated_time_then_same_result(
    server, session, value
):
    url = f"{server.base_url}/v3/invoices"
    everything = walk(session, url, {"max": 100})
    expected = {r["id"] for r in everything if r["updatedTime"] >= "2025-01-01T00:00:00.000+00:00"}
    got = walk(session, url, {"max": 100, "filters": f"updatedTime:gte:{value}"})
    assert {r["id"] for r in got} == expected


def test_given_compound_filters_when_listing_then_conditions_are_anded(server, session):
    url = f"{server.base_url}/v3/invoices"
    everything = walk(session, url, {"max": 100})
    low, high = "2025-03-01T00:00:00.000+00:00", "2026-03-01T00:00:00.000+00:00"
    expected = {r["id"] for r in everything if low <= r["updatedTime"] <= high and not r["archived"]}
    filters = f'updatedTime:gte:"{low}",updatedTime:lte:"{high}",archived:eq:false'
    assert {r["id"] for r in walk(session, url, {"max": 100, "filters": filters})} == expected


def test_given_in_and_nin_when_filtering_customers_then_quoted_lists_work(server, session):
    url = f"{server.base_url}/v3/customers"
    everything = walk(session, url, {"max": 100})
    inside = walk(session, url, {"max": 100, "filters": 'invoiceCurrency:in:"USD,CAD"'})
    outside = walk(session, url, {"max": 100, "filters": 'invoiceCurrency:nin:"USD,CAD"'})
    assert {r["id"] for r in inside} == {
        r["id"] for r in everything if r["invoiceCurrency"] in ("USD", "CAD")
    }
    assert {r["id"] for r in outside} == {r["id"] for r in everything} - {r["id"] for r in inside}


def test_given_starts_with_when_filtering_names_then_prefix_matches(server, session):
    url = f"{server.base_url}/v3/customers"
    first = walk(session, url, {"max": 100})[0]["name"]
    prefix = first[:3]
    got = walk(session, url, {"max": 100, "filters": f'name:sw:"{prefix}"'})
    assert got and all(r["name"].lower().startswith(prefix.lower()) for r in got)


def test_given_compound_sort_when_listing_then_order_is_total_and_stable(server, session):
    url = f"{server.base_url}/v3/invoices"
    rows = walk(session, url, {"max": 7, "sort": "dueDate:asc,totalAmount:desc"})
    keys = [(r["dueDate"], -r["totalAmount"]) for r in rows]
    assert keys == sorted(keys)
    again = walk(session, url, {"max": 13, "sort": "dueDate:asc,totalAmount:desc"})
    assert [r["id"] for r in again] == [r["id"] for r in rows]


@pytest.mark.parametrize(
    "params",
    [
        {"filters": "nosuchfield:eq:1"},
        {"filters": "updatedTime:eq:2025-01-01"},
        {"filters": "updatedTime:gte:yesterday"},
        {"filters": "archived:eq:maybe"},
        {"filters": "name"},
        {"sort": "nosuchfield:asc"},
        {"sort": "name:up"},
        {"filters": 'name:eq:"unterminated'},
    ],
)
def test_given_a_bad_filter_or_sort_when_listing_then_400_in_bill_envelope(server, session, params):
    error = assert_bill_error(session.get(f"{server.base_url}/v3/customers", params=params), 400)
    assert error["category"] == "REQUEST"


def test_given_a_row_updated_mid_walk_when_sorted_by_updated_time_then_no_row_is_skipped(server, session):
    url = f"{server.base_url}/v3/customers"
    params = {"max": 5, "sort": "updatedTime:asc"}
    first = session.get(url, params=params).json()
    moved = first["results"][0]["id"]
    assert session.patch(f"{url}/{moved}", json={"description": "moved to the end"}).status_code == 200
    rest = walk(session, url, {**params, "page": first["nextPage"]})
    seen = [r["id"] for r in first["results"]] + [r["id"] for r in rest]
    everything = {r["id"] for r in walk(session, url, {"max": 100})}
    assert set(seen) == everything
