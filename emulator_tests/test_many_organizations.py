"""Many organizations in one emulator: each has its own data, its own 3 requests in flight, and its own
writes; the hourly request budget and the login budget are the developer key's, shared by them all;
seeding more organizations leaves the main organization's data as it was."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests

from bill_emulator import Emulator, EmulatorServer, EmulatorSettings, Limits, running_emulator
from bill_emulator.clock import Clock
from bill_emulator.errors import BillApiError
from bill_emulator.limits import Limiter
from bill_emulator.timefmt import format_timestamp
from emulator_tests.wire import assert_bill_error, login, org_session, walk

ADDRESS = {"line1": "1 Main St", "city": "Austin", "stateOrProvince": "TX", "zipOrPostalCode": "78701"}


class Hold:
    """Holds every request that reaches the emulator's latency step until released: requests stay in
    flight, holding their slot, for as long as a test needs (the emulator's `delay`, replaced)."""

    def __init__(self) -> None:
        self.released = threading.Event()

    async def __call__(self) -> None:
        while not self.released.is_set():
            await asyncio.sleep(0.005)


def wait_until_in_flight(server: EmulatorServer, count: int) -> None:
    for _ in range(6000):
        if server.counters()["in_flight"] >= count:
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"never {count} requests in flight: {server.counters()['in_flight']}")


# -- limits --------------------------------------------------------------------------------------------
def test_given_the_limiter_when_one_organization_has_3_in_flight_then_another_still_has_its_own_3():
    limiter = Limiter(Limits(), Clock())

    for _ in range(3):
        limiter.enter("01devkey", "008A")
        limiter.enter("01devkey", "008B")

    with pytest.raises(BillApiError) as refused:
        limiter.enter("01devkey", "008A")
    assert refused.value.code == "BDC_1322"
    limiter.enter("01otherkey", "008A")  # another developer key's own 3 in the same organization


def test_given_3_requests_held_in_one_organization_when_calling_in_another_then_it_has_its_own_3_slots(
    monkeypatch: pytest.MonkeyPatch,
):
    with running_emulator(EmulatorSettings(scale="tiny", organizations=3)) as server:
        first, second = server.organization_ids(console=False)[:2]
        sessions = {org: org_session(server, org) for org in (first, second)}
        hold = Hold()
        monkeypatch.setattr(server.emulator, "delay", hold)
        url = f"{server.base_url}/v3/customers"
        with ThreadPoolExecutor(max_workers=6) as pool:
            held: list[Future[requests.Response]] = []
            try:
                held += [pool.submit(sessions[first].get, url, timeout=60) for _ in range(3)]
                wait_until_in_flight(server, 3)

                fourth_in_first = sessions[first].get(url, timeout=60)
                held += [pool.submit(sessions[second].get, url, timeout=60) for _ in range(3)]
                wait_until_in_flight(server, 6)
                fourth_in_second = sessions[second].get(url, timeout=60)
            finally:
                hold.released.set()
            answers = [future.result() for future in held]

        assert_bill_error(fourth_in_first, 429, "BDC_1322")
        assert_bill_error(fourth_in_second, 429, "BDC_1322")
        assert [answer.status_code for answer in answers] == [200] * 6
        assert server.counters()["peak_in_flight"] == 6


def start_of_an_hour(server: EmulatorServer) -> None:
    server.emulator.advance_clock(3600 - server.emulator.clock.now() % 3600 + 1)


def test_given_sessions_in_two_organizations_when_the_hourly_budget_is_spent_then_both_are_refused():
    limits = Limits(requests_per_hour=8)
    settings = EmulatorSettings(
        scale="tiny", organizations=3, limits=limits, fake_clock=True, session_idle_seconds=7200
    )
    with running_emulator(settings) as server:
        start_of_an_hour(server)
        first, second = server.organization_ids(console=False)[:2]
        sessions = [org_session(server, first), org_session(server, second)]  # 2 of the hour's 8
        url = f"{server.base_url}/v3/customers"

        assert [session.get(url).status_code for session in sessions for _ in range(3)] == [200] * 6

        for session in sessions:
            assert_bill_error(session.get(url), 429, "BDC_1144")
        assert_bill_error(
            login(server, organizationId=server.organization_ids(console=False)[2]), 429, "BDC_1144"
        )
        server.emulator.advance_clock(3600)
        assert all(session.get(url).status_code == 200 for session in sessions)


def test_given_logins_to_several_organizations_when_the_login_budget_is_spent_then_every_one_is_refused():
    limits = Limits(logins_per_hour=3)
    with running_emulator(
        EmulatorSettings(scale="tiny", organizations=3, limits=limits, fake_clock=True)
    ) as server:
        start_of_an_hour(server)
        first, second, third = server.organization_ids(console=False)

        assert [login(server, organizationId=org).status_code for org in (first, second, third)] == [200] * 3

        for organization_id in (first, second, third, server.console_organization_id()):
            assert_bill_error(login(server, organizationId=organization_id), 429, "BDC_1148")


# -- writes --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def writable() -> Iterator[EmulatorServer]:
    with running_emulator(EmulatorSettings(scale="tiny", organizations=3, fake_clock=True)) as server:
        yield server


def write_in(server: EmulatorServer, organization_id: str, name: str) -> dict[str, dict]:
    session = org_session(server, organization_id)
    customer = session.post(f"{server.base_url}/v3/customers", json={"name": name, "billingAddress": ADDRESS})
    assert customer.status_code == 201, customer.text
    invoice = session.post(
        f"{server.base_url}/v3/invoices",
        json={
            "customer": {"id": customer.json()["id"]},
            "invoiceLineItems": [{"quantity": 1, "price": 125}],
        },
    )
    assert invoice.status_code == 201, invoice.text
    patched = session.patch(
        f"{server.base_url}/v3/customers/{customer.json()['id']}", json={"description": f"{name} changed"}
    )
    assert patched.status_code == 200, patched.text
    return {"customer": patched.json(), "invoice": invoice.json()}


def changed_since(server: EmulatorServer, organization_id: str, path: str, since: str) -> list[dict]:
    session = org_session(server, organization_id)
    return walk(session, f"{server.base_url}{path}", {"max": 100, "filters": f"updatedTime:gte:{since}"})


def test_given_writes_in_two_organizations_when_reading_changes_then_each_sees_exactly_its_own(writable):
    first, second, untouched = writable.organization_ids(console=False)
    writable.emulator.advance_clock(60)
    since = format_timestamp(writable.emulator.clock.now())

    written = {
        first: write_in(writable, first, "Written In First"),
        second: write_in(writable, second, "Second"),
    }

    for organization_id, objects in written.items():
        invoices = changed_since(writable, organization_id, "/v3/invoices", since)
        customers = changed_since(writable, organization_id, "/v3/customers", since)
        assert [i["id"] for i in invoices] == [objects["invoice"]["id"]]
        assert [c["id"] for c in customers] == [objects["customer"]["id"]]
        assert customers[0]["description"].endswith("changed")
        other = second if organization_id == first else first
        assert_bill_error(
            org_session(writable, other).get(f"{writable.base_url}/v3/invoices/{objects['invoice']['id']}"),
            404,
            "BDC_1118",
        )
    assert changed_since(writable, untouched, "/v3/invoices", since) == []
    assert changed_since(writable, untouched, "/v3/customers", since) == []


# -- seeding -------------------------------------------------------------------------------------------
def records_of(emulator: Emulator, organization_id: str) -> list[tuple]:
    return emulator.store.execute(
        "SELECT kind, id, parent_id, body FROM records WHERE scope = ? ORDER BY kind, id", (organization_id,)
    )


def test_given_more_organizations_when_seeding_then_the_main_organizations_data_is_unchanged(monkeypatch):
    monkeypatch.setattr("bill_emulator.clock.time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    seeded = {}
    for count in (1, 2, 6):
        emulator = Emulator(EmulatorSettings(scale="tiny", organizations=count, fake_clock=True))
        try:
            main = emulator.credentials["ap_ar"]
            seeded[count] = (main, records_of(emulator, main["organization_id"]))
        finally:
            emulator.close()

    assert seeded[1][1] and seeded[1] == seeded[2] == seeded[6]


def test_given_n_organizations_when_seeding_then_the_partner_manages_n_and_one_without_api_access():
    emulator = Emulator(EmulatorSettings(scale="tiny", organizations=5, org_scale=7))
    try:
        organizations = emulator.credentials["organizations"]
        main = emulator.credentials["ap_ar"]["organization_id"]

        assert [o["api_access"] for o in organizations] == [True] * 5 + [False]
        assert organizations[0]["organization_id"] == main
        assert set(emulator.organization_ids(console=False)) == {
            o["organization_id"] for o in organizations[:5]
        }
        assert set(emulator.client_organization_ids()) == {o["organization_id"] for o in organizations[1:5]}
        for organization in organizations[1:]:
            assert emulator.store.count("invoices", organization["organization_id"]) == 7
        assert emulator.store.count("invoices", main) == 40
        assert emulator.store.count("invoices", emulator.console_organization_id()) == 0
    finally:
        emulator.close()


def test_given_one_organization_when_seeding_then_the_user_reaches_it_alone_and_there_is_no_console():
    with running_emulator(EmulatorSettings(scale="tiny", organizations=1)) as server:
        main = server.config("ap_ar")["credentials"]["organization_id"]
        listed = org_session(server).get(f"{server.base_url}/v3/login/organizations", timeout=30).json()

        assert listed["results"] == [
            {"id": main, "name": server.emulator.store.get("organizations", main).body["name"]}
        ]
        assert server.organization_ids() == [main]
        assert server.console_organization_id() is None and server.client_organization_ids() == []
        assert server.emulator.credentials["console"] is None


@pytest.mark.parametrize("count", [0, -2])
def test_given_fewer_than_one_organization_when_seeding_then_value_error(count):
    with pytest.raises(ValueError, match="organizations must be at least 1"):
        Emulator(EmulatorSettings(scale="tiny", organizations=count))


def test_given_a_file_database_when_restarting_then_the_users_organizations_survive(tmp_path):
    db = str(tmp_path / "bill.sqlite")
    with running_emulator(EmulatorSettings(scale="tiny", organizations=3, db_path=db)) as first:
        before = (first.organization_ids(), first.console_organization_id(), first.client_organization_ids())
    with running_emulator(EmulatorSettings(scale="tiny", organizations=3, db_path=db)) as second:
        after = (
            second.organization_ids(),
            second.console_organization_id(),
            second.client_organization_ids(),
        )
        assert after == before
        assert all(login(second, organizationId=org).status_code == 200 for org in second.organization_ids())


def forget_consoles(emulator: Emulator) -> str:
    """Make a database look seeded by an emulator without consoles: the main user in the main
    organization only, no console organization. Returns the client organization."""
    store = emulator.store
    credentials = dict(emulator.credentials)
    main, console = credentials["ap_ar"], credentials.pop("console")
    client = console["client_organization_ids"][0]
    members = [
        (scope, user)
        for _name, _secret, scope, user in store.credentials("user", main["username"])
        if scope != main["organization_id"]
    ]
    for scope, user in members:
        for kind in ("user", "console_token"):
            store.remove_credential(kind, main["username"], scope)
        if scope == client:
            store.delete("users", user)
    store.execute("DELETE FROM records WHERE scope = ?", (console["organization_id"],))
    store.execute("DELETE FROM credentials WHERE kind IN ('console_organization', 'console_client')")
    store.set_meta("credentials", json.dumps(credentials))
    return client


def test_given_a_database_seeded_before_consoles_when_reopening_then_the_console_and_memberships_are_added(
    tmp_path,
):
    db = str(tmp_path / "bill.sqlite")
    older = Emulator(EmulatorSettings(scale="tiny", db_path=db))
    client = forget_consoles(older)
    older.close()

    with running_emulator(EmulatorSettings(scale="tiny", db_path=db)) as reopened:
        assert_bill_error(login(reopened, organizationId="00801AAAAAAAAAAAAAAA"), 400, "BDC_1101")
        assert reopened.client_organization_ids() == [client]
        assert login(reopened, organizationId=client).status_code == 200
        assert login(reopened, organizationId=reopened.console_organization_id()).status_code == 200
        assert len(reopened.organization_ids()) == 3


def test_given_20_organizations_when_seeded_then_each_has_its_own_data_and_signs_in():
    with running_emulator(EmulatorSettings(organizations=20)) as server:
        organizations = server.organization_ids(console=False)

        assert len(organizations) == 20 and len(server.organization_ids()) == 21
        store = server.emulator.store
        main = server.config("ap_ar")["credentials"]["organization_id"]
        assert store.count("invoices", main) == 300
        assert all(store.count("invoices", org) == 40 for org in organizations if org != main)
        assert all(login(server, organizationId=org).status_code == 200 for org in organizations)
