"""Spend & Expense as BILL documents it: apiToken auth, `nextPage=` lists (transactions max 50), one sort
field, id-or-UUID lookups, purchases that authorize then clear, and 60 calls per minute per token."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorServer, EmulatorSettings, Limits, running_emulator
from emulator_tests.wire import assert_bill_error, key_paths, walk
from tests_support.collection import folder, requests_of


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="small", fake_clock=True)) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_minute(request):
    """Each test starts a new S&E rate window (60 calls per minute per token are enforced)."""
    if "server" in request.fixturenames:
        request.getfixturevalue("server").emulator.advance_clock(61)


def spend_session(server: EmulatorServer) -> requests.Session:
    session = requests.Session()
    session.headers["apiToken"] = server.config("spend_expense")["credentials"]["api_token"]
    return session


@pytest.fixture(scope="module")
def se(server) -> requests.Session:
    return spend_session(server)


def url(server: EmulatorServer, path: str) -> str:
    return f"{server.base_url}/v3/spend/{path}"


def all_of(se: requests.Session, server: EmulatorServer, path: str, **params: Any) -> list[dict[str, Any]]:
    return walk(
        se, url(server, path), {"max": 50 if path == "transactions" else 100, **params}, cursor="nextPage"
    )


def example_items(name: str) -> set[str]:
    """Key paths of the objects in a Spend & Expense success example of BILL's Postman collection."""
    request = next(i for i in requests_of(folder("Spend & Expense")["item"]) if i["name"] == name)
    body = json.loads(next(r for r in request["response"] if r["code"] == 200)["body"])
    objects = body["results"] if isinstance(body, dict) and "results" in body else [body]
    return set().union(*(key_paths(o) for o in objects))


# -- auth and the current user ------------------------------------------------------------------------
def test_given_api_token_when_getting_current_user_then_the_token_owner_an_admin(server, se):
    me = se.get(url(server, "users/current"), timeout=30)
    assert me.status_code == 200, me.text
    body = me.json()
    owner = server.emulator.store.credentials("api_token", se.headers["apiToken"])[0][3]
    assert body["id"] == owner and body["role"] == "ADMIN" and body["retired"] is False
    by_uuid = se.get(url(server, f"users/{body['uuid']}"), timeout=30).json()
    assert by_uuid == body


def test_given_invalid_or_missing_api_token_then_bills_envelope_401_or_400(server):
    assert_bill_error(
        requests.get(url(server, "budgets"), headers={"apiToken": "nope"}, timeout=30), 401, "BDC_1147"
    )
    assert_bill_error(requests.get(url(server, "budgets"), timeout=30), 400, "BDC_1147")
    bearer = {"Authorization": f"Bearer {spend_session(server).headers['apiToken']}"}
    assert_bill_error(requests.get(url(server, "budgets"), headers=bearer, timeout=30), 400)


# -- lists ---------------------------------------------------------------------------------------------
def test_given_transactions_when_walking_next_page_then_every_transaction_exactly_once(server, se):
    company = server.emulator.store.credentials("api_token", se.headers["apiToken"])[0][2]
    stored = {r.id for r in server.emulator.store.find("spend_transactions", company)}
    assert len(stored) >= 300
    listed = all_of(se, server, "transactions")
    ids = [t["id"] for t in listed]
    assert len(ids) == len(set(ids))
    assert set(ids) == stored
    assert all(t["isParent"] for t in listed)
    assert {t["transactionType"] for t in listed} >= {"AUTHORIZATION", "CLEAR", "DECLINE"}


def test_given_a_page_when_following_prev_page_then_the_page_before_comes_back(server, se):
    first = se.get(url(server, "transactions"), params={"max": 7}, timeout=30).json()
    second = se.get(url(server, "transactions"), params={"max": 7, "nextPage": first["nextPage"]}).json()
    back = se.get(url(server, "transactions"), params={"max": 7, "prevPage": second["prevPage"]}).json()
    assert [t["id"] for t in back["results"]] == [t["id"] for t in first["results"]]
    assert "prevPage" not in first


def test_given_ap_ar_page_param_when_listing_then_it_is_ignored_and_the_first_page_repeats(server, se):
    first = se.get(url(server, "transactions"), params={"max": 5}, timeout=30).json()
    again = se.get(url(server, "transactions"), params={"max": 5, "page": first["nextPage"]}).json()
    assert [t["id"] for t in again["results"]] == [t["id"] for t in first["results"]]


@pytest.mark.parametrize(("path", "limit"), [("transactions", 50), ("budgets", 100), ("users", 100)])
def test_given_max_beyond_the_cap_when_listing_then_400(server, se, path, limit):
    assert se.get(url(server, path), params={"max": limit}, timeout=30).status_code == 200
    assert_bill_error(se.get(url(server, path), params={"max": limit + 1}, timeout=30), 400, "BDC_1116")
    assert_bill_error(se.get(url(server, path), params={"max": 0}, timeout=30), 400)


def test_given_no_max_when_listing_transactions_then_twenty(server, se):
    assert len(se.get(url(server, "transactions"), timeout=30).json()["results"]) == 20


def test_given_two_sort_fields_then_400_and_one_sort_field_orders_the_list(server, se):
    assert_bill_error(se.get(url(server, "transactions"), params={"sort": "amount:desc,merchantName"}), 400)
    assert_bill_error(se.get(url(server, "transactions"), params={"sort": "updatedTime:asc"}), 400)
    amounts = [
        t["amount"]
        for t in se.get(url(server, "transactions"), params={"sort": "amount:desc", "max": 50}).json()[
            "results"
        ]
    ]
    assert amounts == sorted(amounts, reverse=True)
    spent = [
        b["currentPeriod"]["spent"]["total"]
        for b in se.get(url(server, "budgets"), params={"sort": "spent:desc"}).json()["results"]
    ]
    assert spent == sorted(spent, reverse=True)


def test_given_updated_time_filter_when_walking_then_only_later_updates(server, se):
    listed = all_of(se, server, "transactions")
    cutoff = sorted(t["updatedTime"] for t in listed)[len(listed) // 2]
    newer = all_of(se, server, "transactions", filters=f'updatedTime:gte:"{cutoff}"')
    assert newer and all(t["updatedTime"] >= cutoff for t in newer)
    assert {t["id"] for t in newer} == {t["id"] for t in listed if t["updatedTime"] >= cutoff}
    assert_bill_error(
        se.get(url(server, "transactions"), params={"filters": f'updatedTime:gt:"{cutoff}"'}), 400
    )


def test_given_card_filter_by_id_or_uuid_then_same_transactions(server, se):
    card = next(
        c for c in all_of(se, server, "cards") if c["type"] == "PHYSICAL" and c["status"] == "ACTIVATED"
    )
    by_id = all_of(se, server, "transactions", filters=f"cardId:eq:{card['id']}")
    by_uuid = all_of(se, server, "transactions", filters=f"cardId:eq:{card['uuid']}")
    assert by_id and [t["id"] for t in by_id] == [t["id"] for t in by_uuid]
    assert {t["cardUuid"] for t in by_id} == {card["uuid"]}


def test_given_type_and_sync_status_filters_then_they_select_what_they_say(server, se):
    declines = all_of(se, server, "transactions", filters="type:eq:DECLINE")
    assert declines and {t["transactionType"] for t in declines} == {"DECLINE"}
    rest = all_of(se, server, "transactions", filters="type:ne:DECLINE")
    assert "DECLINE" not in {t["transactionType"] for t in rest}
    unsynced = all_of(se, server, "transactions", filters="syncStatus:eq:NOT_SYNCED")
    assert unsynced and all(not t["accountingIntegrationTransactions"] for t in unsynced)
    synced = all_of(se, server, "transactions", filters='syncStatus:in:"SYNCED,MANUAL_SYNCED"')
    assert synced and all(
        t["accountingIntegrationTransactions"][0]["syncStatus"] in ("SYNCED", "MANUAL_SYNCED") for t in synced
    )
    assert_bill_error(se.get(url(server, "transactions"), params={"filters": "nosuchfield:eq:1"}), 400)


def test_given_include_receipts_then_receipts_listed_only_when_asked(server, se):
    without = se.get(url(server, "transactions"), params={"max": 50}).json()["results"]
    with_receipts = se.get(url(server, "transactions"), params={"max": 50, "includeReceipts": "true"}).json()[
        "results"
    ]
    assert all(t["receipts"] == [] for t in without)
    assert any(t["receipts"] for t in with_receipts)


# -- shapes and consistency --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("example", "path"),
    [
        ("Get list of budgets", "budgets"),
        ("Get list of cards", "cards"),
        ("Get list of custom fields", "custom-fields"),
        ("Get list of reimbursements", "reimbursements"),
        ("Get list of transactions", "transactions"),
        ("Get list of users", "users"),
    ],
)
def test_given_collection_examples_then_every_listed_object_field_is_served(server, se, example, path):
    params = {"includeReceipts": "true", "showCustomFieldIds": "true"} if path == "transactions" else {}
    served = set().union(*(key_paths(o) for o in all_of(se, server, path, **params)))
    assert example_items(example) - served == set()


def test_given_collection_examples_then_members_values_and_details_carry_every_field(server, se):
    budget = next(b for b in all_of(se, server, "budgets") if not b["budgetGroup"])
    members = all_of(se, server, f"budgets/{budget['uuid']}/members")
    assert (
        example_items("Get list of budget members") - set().union(*(key_paths(m) for m in members)) == set()
    )
    field = next(f for f in all_of(se, server, "custom-fields") if f["name"] == "Category")
    values = all_of(se, server, f"custom-fields/{field['uuid']}/values")
    assert (
        example_items("Get list of custom field values") - set().union(*(key_paths(v) for v in values))
        == set()
    )
    transaction = all_of(se, server, "transactions", filters="type:eq:CLEAR")[0]
    detail = se.get(url(server, f"transactions/{transaction['uuid']}")).json()
    assert {"id", "uuid", "childTransactionIds", "merchantLocation", "currencyData"} <= set(detail)


def test_given_budgets_then_current_period_spent_adds_up_their_transactions(server, se):
    transactions = all_of(se, server, "transactions")
    for budget in all_of(se, server, "budgets"):
        period = budget["currentPeriod"]
        inside = [
            t
            for t in transactions
            if t["budgetId"] == budget["id"]
            and period["startDate"] <= t["occurredTime"][:10]
            and (period["endDate"] is None or t["occurredTime"][:10] < period["endDate"])
        ]
        cleared = sum(t["amount"] for t in inside if t["transactionType"] == "CLEAR")
        pending = sum(t["amount"] for t in inside if t["transactionType"] == "AUTHORIZATION")
        spent = period["spent"]
        assert spent["cleared"] == pytest.approx(cleared, abs=0.01), budget["name"]
        assert spent["pending"] == pytest.approx(pending, abs=0.01), budget["name"]
        assert spent["total"] == pytest.approx(cleared + pending, abs=0.01), budget["name"]
    assert any(b["currentPeriod"]["spent"]["total"] > 0 for b in all_of(se, server, "budgets"))


def test_given_transactions_then_they_name_existing_users_budgets_and_cards(server, se):
    users = {u["id"]: u for u in all_of(se, server, "users")}
    budgets = {b["id"]: b for b in all_of(se, server, "budgets")}
    cards = {c["id"] for c in all_of(se, server, "cards")}
    for t in all_of(se, server, "transactions"):
        assert t["userId"] in users and users[t["userId"]]["uuid"] == t["userUuid"]
        assert t["budgetId"] in budgets and budgets[t["budgetId"]]["name"] == t["budgetName"]
        assert t["cardId"] in cards or se.get(url(server, f"cards/{t['cardId']}")).json()["deletedReason"]


def test_given_cleared_purchase_then_its_authorization_is_its_child(server, se):
    cleared = next(t for t in all_of(se, server, "transactions", filters="type:eq:CLEAR") if t["amount"] > 0)
    assert (
        cleared["complete"] is True
        and cleared["originalAuthTransactionId"] == cleared["childTransactionIds"][0]
    )
    child = se.get(url(server, f"transactions/{cleared['childTransactionIds'][0]}")).json()
    assert child["transactionType"] == "AUTHORIZATION" and child["isParent"] is False
    assert (
        child["parentTransactionId"] == cleared["id"] and child["matchedClearTransactionId"] == cleared["id"]
    )
    assert child["amount"] == cleared["amount"]


def test_given_reimbursements_then_status_history_tells_the_story(server, se):
    reimbursements = all_of(se, server, "reimbursements")
    statuses = {r["status"] for r in reimbursements}
    assert {"PAID", "AWAITING_APPROVAL"} <= statuses
    for r in reimbursements:
        history = r["statusHistory"]
        assert history[0]["status"] == "AWAITING_APPROVAL" and history[0]["actorRole"] == "SUBMITTER"
        assert [h["occurredTime"] for h in history] == sorted(h["occurredTime"] for h in history)
        if r["status"] == "PAID":
            assert "APPROVED" in [h["status"] for h in history] and r["batchId"]


# -- workflows -------------------------------------------------------------------------------------------
def spender(se: requests.Session, server: EmulatorServer) -> tuple[dict[str, Any], dict[str, Any]]:
    """An active budget and one of its MEMBERs."""
    for budget in all_of(se, server, "budgets", filters="retired:eq:false"):
        members = all_of(se, server, f"budgets/{budget['uuid']}/members")
        member = next((m for m in members if m["budgetRole"] == "MEMBER" and not m["retired"]), None)
        if member and not budget["budgetGroup"]:
            return budget, member
    raise AssertionError("no budget with a member")


def test_given_card_when_freezing_unfreezing_and_deleting_then_states_follow(server, se):
    budget, member = spender(se, server)
    body = {
        "budgetId": budget["uuid"],
        "limit": "100",
        "name": "Vendor card for tests",
        "userId": member["userUuid"],
    }
    created = se.post(url(server, "cards"), json=body, timeout=30)
    assert created.status_code == 200, created.text
    card = created.json()
    assert (
        card["status"] == "ACTIVATED"
        and card["currentPeriod"]["limit"] == 100.0
        and card["type"] == "VIRTUAL"
    )
    assert se.post(url(server, f"cards/{card['uuid']}/freeze")).json()["status"] == "FROZEN"
    assert se.post(url(server, f"cards/{card['uuid']}/unfreeze")).json()["status"] == "ACTIVATED"
    token = se.get(url(server, f"cards/{card['uuid']}/pan-jwt")).json()["token"]
    assert token.count(".") == 2
    assert_bill_error(se.delete(url(server, f"cards/{card['uuid']}")), 400)
    assert_bill_error(se.delete(url(server, f"cards/{card['uuid']}"), params={"reason": "FRAUD"}), 400)
    assert se.delete(url(server, f"cards/{card['uuid']}"), params={"reason": "LOST"}).status_code == 200
    assert all_of(se, server, "cards", filters=f"cardIds:eq:{card['uuid']}") == []
    gone = se.get(url(server, f"cards/{card['uuid']}")).json()
    assert gone["deletedReason"] == "LOST"
    assert_bill_error(se.post(url(server, f"cards/{card['uuid']}/freeze")), 404, "BDC_1118")


def test_given_reimbursement_when_approved_then_ready_to_pay_and_second_decision_refused(server, se):
    budget, member = spender(se, server)
    upload = se.post(url(server, "reimbursements/image-upload-url")).json()["url"]
    body = {
        "budgetId": budget["uuid"],
        "userId": member["userUuid"],
        "occurredDate": date.today().isoformat(),
        "note": "Team lunch",
        "merchantName": "Jasmine Thai",
        "amount": 50,
        "receipts": [{"url": upload, "filename": "lunch.jpg"}],
    }
    created = se.post(url(server, "reimbursements"), json=body, timeout=30)
    assert created.status_code == 200, created.text
    claim = created.json()
    assert claim["status"] == "AWAITING_APPROVAL" and claim["receipts"][0]["filename"] == "lunch.jpg"
    action = url(server, f"reimbursements/{claim['uuid']}/action")
    approved = se.post(action, json={"action": "APPROVE", "note": "Team lunch expense approved"}).json()
    assert approved["status"] == "READY_TO_PAY"
    assert [h["status"] for h in approved["statusHistory"]] == [
        "AWAITING_APPROVAL",
        "APPROVED",
        "READY_TO_PAY",
    ]
    assert_bill_error(se.post(action, json={"action": "DENY"}), 422)
    assert_bill_error(se.post(action, json={"action": "MAYBE"}), 400)


def test_given_custom_field_value_when_tagging_a_transaction_then_it_is_selected(server, se):
    field = next(f for f in all_of(se, server, "custom-fields") if f["name"] == "Project")
    value = se.post(url(server, f"custom-fields/{field['uuid']}/values"), json={"values": ["Zephyr"]}).json()
    assert value["value"] == "Zephyr" and value["deleted"] is False
    transaction = next(
        t for t in all_of(se, server, "transactions", filters="type:eq:CLEAR") if not t["isLocked"]
    )
    body = {"customFields": [{"customFieldId": field["uuid"], "selectedValues": [value["uuid"]]}]}
    answer = se.put(url(server, f"transactions/{transaction['uuid']}/custom-fields"), json=body)
    assert answer.status_code == 200 and answer.json() == {"status": "SUCCESS"}
    applied = se.get(
        url(server, f"transactions/{transaction['uuid']}/custom-fields"),
        params={"filters": f"customFieldIds:eq:{field['uuid']}"},
    ).json()["results"]
    assert [v["value"] for v in applied[0]["selectedValues"]] == ["Zephyr"]
    values = se.get(
        url(server, f"transactions/{transaction['uuid']}/custom-fields/{field['id']}/values")
    ).json()
    assert [v["uuid"] for v in values["results"]] == [value["uuid"]]
    tagged = all_of(se, server, "transactions", filters=f"customFieldIds:eq:{field['uuid']}")
    assert transaction["id"] in {t["id"] for t in tagged}


def test_given_locked_transaction_when_updating_custom_fields_then_refused(server, se):
    locked = next(t for t in all_of(se, server, "transactions") if t["isLocked"])
    field = next(f for f in all_of(se, server, "custom-fields") if f["name"] == "Category")
    body = {"customFields": [{"customFieldId": field["uuid"], "selectedValues": []}]}
    assert_bill_error(se.put(url(server, f"transactions/{locked['uuid']}/custom-fields"), json=body), 422)


def test_given_budget_and_members_when_created_then_listed_with_roles(server, se):
    users = [u for u in all_of(se, server, "users", filters="retired:eq:false") if u["role"] == "MEMBER"]
    body = {
        "name": "Happy Music Supplies monthly spending budget",
        "owners": [users[0]["uuid"]],
        "recurringInterval": "MONTHLY",
        "limit": 200,
        "recurringLimit": 200,
    }
    budget = se.post(url(server, "budgets"), json=body).json()
    assert budget["currentPeriod"]["limit"] == 200.0 and budget["recurringInterval"] == "MONTHLY"
    assert budget["currentPeriod"]["startDate"].endswith("-01")
    member = se.put(
        url(server, f"budgets/{budget['uuid']}/members/{users[1]['uuid']}"),
        json={"limit": "50", "recurringLimit": "100"},
    ).json()
    assert (
        member["budgetRole"] == "MEMBER"
        and member["limit"] == 50.0
        and member["userUuid"] == users[1]["uuid"]
    )
    bulk = se.put(
        url(server, f"budgets/{budget['uuid']}/members/bulk"),
        json={"members": [{"userId": users[2]["uuid"], "limit": 20, "role": "OBSERVER"}]},
    )
    assert bulk.json() == {"status": "SUCCESS"}
    roles = {m["userUuid"]: m["budgetRole"] for m in all_of(se, server, f"budgets/{budget['uuid']}/members")}
    assert roles == {users[0]["uuid"]: "OWNER", users[1]["uuid"]: "MEMBER", users[2]["uuid"]: "OBSERVER"}
    assert se.get(url(server, f"budgets/{budget['id']}")).json()["currentPeriod"]["assigned"] == 70.0
    assert_bill_error(se.post(url(server, "budgets"), json={**body, "owners": []}), 400)
    assert_bill_error(se.post(url(server, "budgets"), json={**body, "recurringInterval": "HOURLY"}), 400)


def test_given_unknown_ids_then_404_in_bills_envelope(server, se):
    for path in (
        "budgets/QnVkZ2V0OjE=",
        "cards/nope",
        "transactions/nope",
        "reimbursements/nope",
        "users/nope",
    ):
        assert_bill_error(se.get(url(server, path)), 404, "BDC_1118")


def test_given_pending_3ds_challenge_when_rejected_then_the_authorization_is_declined(server, se):
    company = server.emulator.store.credentials("api_token", se.headers["apiToken"])[0][2]
    challenge = next(
        r.body
        for r in server.emulator.store.find("spend_3ds_challenges", company)
        if r.body["status"] == "PENDING"
    )
    path = url(server, f"transactions/{challenge['id']}/3ds-challenge")
    answer = se.post(path, json={"action": "REJECT"})
    assert answer.status_code == 200 and answer.json() == {"id": challenge["id"], "status": "REJECTED"}
    declined = se.get(url(server, f"transactions/{challenge['transactionId']}")).json()
    assert declined["transactionType"] == "DECLINE" and declined["complete"] is True
    assert_bill_error(se.post(path, json={"action": "ACCEPT"}), 422)


# -- time: clearing and the rate limit --------------------------------------------------------------------
def test_given_pending_authorization_when_it_clears_then_same_uuid_is_a_clear_updated_later():
    with running_emulator(EmulatorSettings(scale="tiny", fake_clock=True, seed=3)) as server:
        se = spend_session(server)
        pending = all_of(se, server, "transactions", filters="type:eq:AUTHORIZATION,complete:eq:false")
        assert pending
        before = pending[0]
        server.emulator.advance_clock(4 * 24 * 3600)
        after = se.get(url(server, f"transactions/{before['uuid']}")).json()
        assert after["id"] == before["id"] and after["uuid"] == before["uuid"]
        assert after["transactionType"] == "CLEAR" and after["complete"] is True
        assert after["updatedTime"] > before["updatedTime"] and after["childTransactionIds"]
        changed = all_of(se, server, "transactions", filters=f'updatedTime:gte:"{before["updatedTime"]}"')
        assert before["id"] in {t["id"] for t in changed}
        assert all_of(se, server, "transactions", filters="type:eq:AUTHORIZATION,complete:eq:false") == []


def test_given_60_calls_in_a_minute_when_calling_again_then_bdc_1149_until_the_next_minute():
    with running_emulator(
        EmulatorSettings(scale="tiny", fake_clock=True, limits=Limits(window_scale=1.0))
    ) as server:
        server.emulator.advance_clock(60 - server.emulator.clock.now() % 60 + 0.5)  # start of a minute
        se = spend_session(server)
        assert all(se.get(url(server, "users/current")).status_code == 200 for _ in range(60))
        error = assert_bill_error(se.get(url(server, "budgets")), 429, "BDC_1149")
        assert error["category"] == "DOWNSTREAM" and "60" in error["message"]
        server.emulator.advance_clock(60)
        assert se.get(url(server, "users/current")).status_code == 200
