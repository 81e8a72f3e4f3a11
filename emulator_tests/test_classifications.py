"""The seven classifications under /v3/classifications: every route, complete objects as BILL's
collection shows them, bulk operations, filters and sort, hierarchies, the seeded chart of accounts."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorSettings, running_emulator
from emulator_tests.wire import assert_bill_error, login, org_session, walk
from tests_support.collection import load_collection

# segment -> (id prefix, bulk wrapper key, a valid create body)
KINDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "chart-of-accounts": (
        "0ca",
        "chartOfAccounts",
        {
            "name": "Prepaid Insurance",
            "description": "Insurance paid ahead",
            "account": {"type": "OTHER_CURRENT_ASSET", "number": "1410"},
        },
    ),
    "accounting-classes": (
        "cls",
        "accountingClasses",
        {"name": "Franchise", "shortName": "FRN", "description": "Franchise stores"},
    ),
    "departments": (
        "0de",
        "departments",
        {"name": "Legal", "shortName": "LGL", "description": "Legal department"},
    ),
    "employees": ("emp", "employees", {"firstName": "James", "lastName": "Milner", "shortName": "James M."}),
    "items": (
        "0ii",
        "items",
        {
            "type": "SERVICE",
            "name": "Onboarding package",
            "description": "Setup and onboarding",
            "price": 750.0,
            "taxable": False,
        },
    ),
    "jobs": (
        "job",
        "jobs",
        {"name": "Roof Repair", "shortName": "ROOF", "description": "Warehouse roof repair"},
    ),
    "locations": (
        "loc",
        "locations",
        {"name": "Seattle Office", "shortName": "SEA", "description": "Seattle, WA office"},
    ),
}


# -- BILL's collection: what each route answers --------------------------------------------------
@functools.cache
def examples() -> dict[tuple[str, str], Any]:
    """(method, path with :params) -> the example success body, from BILL's Postman collection."""
    found: dict[tuple[str, str], Any] = {}

    def walk_items(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "item" in item:
                walk_items(item["item"])
                continue
            request = item["request"]
            path = "/" + "/".join(request["url"]["path"])
            for response in item.get("response") or []:
                if response.get("code") in (200, 201) and response.get("body"):
                    found[(request["method"], path)] = json.loads(response["body"])
                    break

    walk_items(load_collection()["item"])
    return found


def shape(value: Any, path: str = "") -> set[str]:
    """Every key path of a JSON value; list items merge under `[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            paths.add(f"{path}.{key}")
            paths |= shape(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            paths |= shape(item, f"{path}[]")
    return paths


def assert_bill_shape(actual: Any, method: str, path: str, item_of: str | None = None) -> None:
    """The object has exactly the fields of BILL's example (no missing, no extra); `item_of` names the
    example's list whose items the actual object must match."""
    example = examples()[(method, path)]
    if item_of is not None:
        example = example[item_of][0]
    assert shape(actual) == shape(example), (
        f"missing {sorted(shape(example) - shape(actual))}, extra {sorted(shape(actual) - shape(example))}"
    )


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny", seed=5)) as running:
        yield running


@pytest.fixture(scope="module")
def session(server) -> requests.Session:
    return org_session(server)


def url(server, segment: str, *rest: str) -> str:
    return "/".join([f"{server.base_url}/v3/classifications/{segment}", *rest])


def unique(body: dict[str, Any], tag: str) -> dict[str, Any]:
    """The same body with a name of its own, so tests can find their objects."""
    out = dict(body)
    for key in ("name", "lastName"):
        if key in out:
            out[key] = f"{out[key]} {tag}"
    return out


def create(session, server, segment: str, tag: str, **changes: Any) -> dict[str, Any]:
    body = {**unique(KINDS[segment][2], tag), **changes}
    response = session.post(url(server, segment), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def later() -> None:
    """BILL timestamps have millisecond resolution: let the clock pass one before the next write."""
    time.sleep(0.005)


# -- lists ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("segment", KINDS)
def test_given_seeded_classifications_when_listing_then_every_item_is_complete(server, session, segment):
    prefix = KINDS[segment][0]
    response = session.get(url(server, segment), params={"max": 100})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results, f"nothing seeded for {segment}"
    for obj in results:
        assert obj["id"].startswith(prefix) and len(obj["id"]) == 20
        assert_bill_shape(obj, "GET", f"/v3/classifications/{segment}", item_of="results")


def test_given_the_seeded_chart_of_accounts_then_it_reads_like_a_real_books(server, session):
    accounts = walk(session, url(server, "chart-of-accounts"), {"max": 7})
    by_name = {a["name"]: a for a in accounts}
    for name, kind in (
        ("Checking", "BANK"),
        ("Accounts Receivable", "ACCOUNTS_RECEIVABLE"),
        ("Accounts Payable", "ACCOUNTS_PAYABLE"),
        ("Sales", "INCOME"),
        ("Cost of Goods Sold", "COST_OF_GOODS_SOLD"),
        ("Office Supplies", "EXPENSE"),
    ):
        assert by_name[name]["account"]["type"] == kind
    assert by_name["Office Supplies"]["parentId"] == by_name["Office Expenses"]["id"]
    numbers = [a["account"]["number"] for a in accounts]
    assert len(numbers) == len(set(numbers)), "account numbers repeat"
    for account in accounts:
        assert account["createdTime"] <= account["updatedTime"]
        if account["parentId"]:
            assert by_name_id(accounts, account["parentId"])["createdTime"] <= account["createdTime"]


def by_name_id(objects: list[dict[str, Any]], object_id: str) -> dict[str, Any]:
    return next(o for o in objects if o["id"] == object_id)


def test_given_seeded_items_and_invoices_when_read_then_they_point_at_existing_accounts(server, session):
    accounts = {a["id"]: a for a in walk(session, url(server, "chart-of-accounts"), {"max": 100})}
    for item in walk(session, url(server, "items"), {"max": 100}):
        assert item["chartOfAccountId"] in accounts
        assert item["expenseChartOfAccountId"] in (None, *accounts)
    invoices = session.get(f"{server.base_url}/v3/invoices", params={"max": 50}).json()["results"]
    assert invoices and all(i["payToChartOfAccountId"] in accounts for i in invoices)


def test_given_a_small_page_size_when_walking_then_every_account_exactly_once(server, session):
    org = server.config("ap_ar")["credentials"]["organization_id"]
    expected = {r.id for r in server.emulator.store.find("chart_of_accounts", org)}
    ids = [a["id"] for a in walk(session, url(server, "chart-of-accounts"), {"max": 3})]
    assert len(ids) == len(set(ids)) and set(ids) == expected


# -- filters and sort ------------------------------------------------------------------------------
def test_given_an_account_type_filter_when_listing_then_only_that_type(server, session):
    results = walk(session, url(server, "chart-of-accounts"), {"filters": "account.type:eq:BANK", "max": 100})
    assert {a["name"] for a in results} >= {"Checking", "Savings"}
    assert all(a["account"]["type"] == "BANK" for a in results)
    several = walk(session, url(server, "chart-of-accounts"), {"filters": 'account.type:in:"INCOME,EXPENSE"'})
    assert {a["account"]["type"] for a in several} == {"INCOME", "EXPENSE"}


def test_given_name_starts_with_when_listing_then_matching_names(server, session):
    results = walk(session, url(server, "chart-of-accounts"), {"filters": 'name:sw:"Office"'})
    assert {a["name"] for a in results} == {"Office Expenses", "Office Supplies"}


def test_given_a_parent_filter_when_listing_then_its_children(server, session):
    departments = walk(session, url(server, "departments"), {"max": 100})
    sales = next(d for d in departments if d["name"] == "Sales")
    children = walk(session, url(server, "departments"), {"filters": f"parentId:eq:{sales['id']}"})
    assert {d["name"] for d in children} == {"Inside Sales", "Field Sales"}


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_given_sort_by_name_when_listing_then_ordered(server, session, direction):
    names = [
        a["name"] for a in walk(session, url(server, "chart-of-accounts"), {"sort": f"name:{direction}"})
    ]
    assert names == sorted(names, reverse=direction == "desc")


def test_given_employees_sorted_by_last_name_then_ordered(server, session):
    employees = walk(session, url(server, "employees"), {"sort": "lastName:asc,firstName:asc"})
    keys = [(e["lastName"], e["firstName"]) for e in employees]
    assert keys == sorted(keys)


def test_given_archived_filter_when_listing_then_only_archived(server, session):
    job = create(session, server, "jobs", "archived-filter")
    assert session.post(url(server, "jobs", job["id"], "archive")).status_code == 200
    archived = walk(session, url(server, "jobs"), {"filters": "archived:eq:true"})
    assert job["id"] in {j["id"] for j in archived} and all(j["archived"] for j in archived)


@pytest.mark.parametrize(
    "params",
    [
        {"filters": "color:eq:blue"},
        {"filters": "name:gt:A"},
        {"sort": "account.number:asc"},
        {"sort": "name:sideways"},
        {"max": "101"},
    ],
)
def test_given_a_bad_list_query_when_listing_then_400_in_bills_envelope(server, session, params):
    assert_bill_error(session.get(url(server, "chart-of-accounts"), params=params), 400, "BDC_1116")


# -- create, get, update, archive, restore ------------------------------------------------------------
@pytest.mark.parametrize("segment", KINDS)
def test_given_a_valid_body_when_creating_then_201_and_the_complete_object(server, session, segment):
    prefix, _, body = KINDS[segment]
    body = unique(body, "create")
    response = session.post(url(server, segment), json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert_bill_shape(created, "POST", f"/v3/classifications/{segment}")
    assert created["id"].startswith(prefix) and len(created["id"]) == 20
    assert created["archived"] is False and created["createdTime"] == created["updatedTime"]
    for key, value in body.items():
        assert created[key] == value
    fetched = session.get(url(server, segment, created["id"]))
    assert fetched.status_code == 200 and fetched.json() == created
    assert_bill_shape(fetched.json(), "GET", f"/v3/classifications/{segment}/:id")


@pytest.mark.parametrize("segment", KINDS)
def test_given_a_patch_when_updating_then_only_those_fields_change_and_updated_time_moves(
    server, session, segment
):
    created = create(session, server, segment, "patch")
    later()
    change = {"lastName": "Tarkowski"} if segment == "employees" else {"description": "Changed by PATCH"}
    response = session.patch(url(server, segment, created["id"]), json=change)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert_bill_shape(updated, "PATCH", f"/v3/classifications/{segment}/:id")
    assert updated == {**created, **change, "updatedTime": updated["updatedTime"]}
    assert updated["updatedTime"] > created["updatedTime"]
    assert session.get(url(server, segment, created["id"])).json() == updated


def test_given_a_partial_account_when_patching_then_the_account_object_merges(server, session):
    created = create(session, server, "chart-of-accounts", "merge")
    updated = session.patch(
        url(server, "chart-of-accounts", created["id"]), json={"account": {"type": "EXPENSE"}}
    )
    assert updated.status_code == 200
    assert updated.json()["account"] == {"type": "EXPENSE", "number": created["account"]["number"]}


@pytest.mark.parametrize("segment", KINDS)
def test_given_an_object_when_archived_and_restored_then_flag_flips_and_updated_time_moves(
    server, session, segment
):
    created = create(session, server, segment, "archive")
    later()
    archived = session.post(url(server, segment, created["id"], "archive"))
    assert archived.status_code == 200
    assert_bill_shape(archived.json(), "POST", f"/v3/classifications/{segment}/:id/archive")
    assert archived.json()["archived"] is True and archived.json()["updatedTime"] > created["updatedTime"]
    later()
    restored = session.post(url(server, segment, created["id"], "restore"))
    assert restored.status_code == 200
    assert restored.json()["archived"] is False
    assert restored.json()["updatedTime"] > archived.json()["updatedTime"]


# -- bulk ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("segment", KINDS)
def test_given_a_list_of_bodies_when_bulk_creating_then_201_wrapped_under_bills_plural(
    server, session, segment
):
    _, wrapper, body = KINDS[segment]
    bodies = [unique(body, f"bulk-{n}") for n in range(3)]
    response = session.post(url(server, segment, "bulk"), json=bodies)
    assert response.status_code == 201, response.text
    created = response.json()[wrapper]
    assert set(response.json()) == {wrapper} and len(created) == 3
    for obj, sent in zip(created, bodies, strict=True):
        assert_bill_shape(obj, "POST", f"/v3/classifications/{segment}/bulk", item_of=wrapper)
        assert all(obj[k] == v for k, v in sent.items())
    assert len({obj["id"] for obj in created}) == 3


def test_given_one_bad_body_when_bulk_creating_then_400_and_nothing_created(server, session):
    before = len(walk(session, url(server, "locations"), {"max": 100}))
    bodies = [{"name": "Good Location A"}, {"description": "no name"}]
    assert_bill_error(session.post(url(server, "locations", "bulk"), json=bodies), 400, "BDC_1117")
    assert len(walk(session, url(server, "locations"), {"max": 100})) == before


def test_given_more_than_fifty_bodies_when_bulk_creating_then_400(server, session):
    bodies = [{"name": f"Too many {n}"} for n in range(51)]
    assert_bill_error(session.post(url(server, "jobs", "bulk"), json=bodies), 400, "BDC_1117")


@pytest.mark.parametrize("segment", KINDS)
def test_given_ids_in_bodies_when_bulk_updating_then_each_object_changes(server, session, segment):
    _, wrapper, _ = KINDS[segment]
    field = "description" if segment == "chart-of-accounts" else "shortName"
    first, second = create(session, server, segment, "bu-1"), create(session, server, segment, "bu-2")
    later()
    response = session.patch(
        url(server, segment, "bulk"),
        json=[{"id": first["id"], field: "ONE"}, {"id": second["id"], field: "TWO"}],
    )
    assert response.status_code == 200, response.text
    updated = response.json()[wrapper]
    assert [u[field] for u in updated] == ["ONE", "TWO"]
    for obj in updated:
        assert_bill_shape(obj, "PATCH", f"/v3/classifications/{segment}/bulk", item_of=wrapper)
        assert obj["updatedTime"] > first["updatedTime"]


def test_given_a_bulk_update_without_id_then_400(server, session):
    assert_bill_error(session.patch(url(server, "jobs", "bulk"), json=[{"name": "No id"}]), 400, "BDC_1117")


@pytest.mark.parametrize("segment", KINDS)
def test_given_ids_query_when_bulk_archiving_and_restoring_then_all_flip(server, session, segment):
    _, wrapper, _ = KINDS[segment]
    ids = [create(session, server, segment, f"ba-{n}")["id"] for n in range(2)]
    archived = session.post(url(server, segment, "bulk", "archive"), params={"ids": ",".join(ids)})
    assert archived.status_code == 200, archived.text
    assert [o["id"] for o in archived.json()[wrapper]] == ids
    assert all(o["archived"] for o in archived.json()[wrapper])
    for obj in archived.json()[wrapper]:
        assert_bill_shape(obj, "POST", f"/v3/classifications/{segment}/bulk/archive", item_of=wrapper)
    restored = session.post(url(server, segment, "bulk", "restore"), params={"ids": ",".join(ids)})
    assert restored.status_code == 200
    assert not any(o["archived"] for o in restored.json()[wrapper])
    assert all(not session.get(url(server, segment, i)).json()["archived"] for i in ids)


def test_given_no_ids_when_bulk_archiving_then_400(server, session):
    assert_bill_error(session.post(url(server, "departments", "bulk", "archive")), 400, "BDC_1116")


def test_given_an_unknown_id_among_ids_when_bulk_archiving_then_404_and_nothing_archived(server, session):
    real = create(session, server, "departments", "atomic")
    response = session.post(
        url(server, "departments", "bulk", "archive"), params={"ids": f"{real['id']},0de01AAAAAAAAAAAAAAA"}
    )
    assert_bill_error(response, 404, "BDC_1118")
    assert session.get(url(server, "departments", real["id"])).json()["archived"] is False


# -- hierarchies and validation -------------------------------------------------------------------------
def test_given_a_parent_id_when_creating_then_child_links_to_it(server, session):
    parent = create(session, server, "locations", "parent")
    child = create(session, server, "locations", "child", parentId=parent["id"])
    assert child["parentId"] == parent["id"]


def test_given_a_parent_made_its_own_descendant_when_patching_then_400(server, session):
    parent = create(session, server, "departments", "cycle-parent")
    child = create(session, server, "departments", "cycle-child", parentId=parent["id"])
    response = session.patch(url(server, "departments", parent["id"]), json={"parentId": child["id"]})
    assert_bill_error(response, 400, "BDC_1117")


@pytest.mark.parametrize(
    ("segment", "body"),
    [
        ("accounting-classes", {"description": "no name"}),
        ("employees", {"firstName": "Only"}),
        ("chart-of-accounts", {"name": "No account type"}),
        ("chart-of-accounts", {"name": "Bad type", "account": {"type": "PIGGY_BANK"}}),
        ("items", {"name": "No type"}),
        ("items", {"name": "Unknown type", "type": "GADGET"}),
        ("items", {"name": "Text price", "type": "SERVICE", "price": "cheap"}),
        ("items", {"name": "Text taxable", "type": "SERVICE", "taxable": "yes"}),
        (
            "items",
            {"name": "Bad income account", "type": "SERVICE", "chartOfAccountId": "0ca01AAAAAAAAAAAAAAA"},
        ),
        ("jobs", {"name": "Unknown parent", "parentId": "job01AAAAAAAAAAAAAAA"}),
        ("jobs", {"name": "Extra field", "color": "blue"}),
        ("jobs", {"name": "Read-only field", "archived": True}),
    ],
)
def test_given_an_invalid_body_when_creating_then_400_in_bills_envelope(server, session, segment, body):
    error = assert_bill_error(session.post(url(server, segment), json=body), 400, "BDC_1117")
    assert error["severity"] == "ERROR" and error["category"] == "REQUEST"


def test_given_a_name_in_use_when_creating_then_both_exist_as_in_bill(server, session):
    """BILL keeps duplicates (its web app has "Merge Duplicates" for the chart of accounts)."""
    response = session.post(
        url(server, "chart-of-accounts"), json={"name": "Checking", "account": {"type": "BANK"}}
    )
    assert response.status_code == 201
    named = walk(session, url(server, "chart-of-accounts"), {"filters": 'name:eq:"Checking"'})
    assert len(named) == 2


def test_given_an_unknown_id_when_reading_then_404(server, session):
    assert_bill_error(session.get(url(server, "items", "0ii01AAAAAAAAAAAAAAA")), 404, "BDC_1118")


def test_given_another_organizations_account_when_reading_then_404(server, session):
    other = next(o for o in server.emulator.credentials["organizations"][1:] if o["api_access"])
    theirs = server.emulator.store.find("chart_of_accounts", other["organization_id"])[0].id
    assert_bill_error(session.get(url(server, "chart-of-accounts", theirs)), 404, "BDC_1118")
    response = login(
        server,
        username=other["username"],
        password=other["password"],
        organizationId=other["organization_id"],
    )
    assert response.status_code == 200


def test_given_no_session_when_listing_then_401(server):
    response = requests.get(
        url(server, "jobs"), headers={"devKey": server.config("ap_ar")["credentials"]["dev_key"]}, timeout=30
    )
    assert_bill_error(response, 401, "BDC_1109")
