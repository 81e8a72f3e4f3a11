"""BILL's error envelope everywhere, and the fault knobs tests use to stress clients."""

from __future__ import annotations

import pytest
import requests

from bill_emulator import EmulatorSettings, Faults, running_emulator
from emulator_tests.wire import assert_bill_error, org_session


@pytest.fixture(scope="module")
def server():
    with running_emulator(EmulatorSettings(scale="tiny")) as running:
        yield running


def test_given_unknown_path_when_calling_then_404_bdc_1121(server):
    assert_bill_error(requests.get(f"{server.base_url}/v3/nothing-here", timeout=30), 404, "BDC_1121")
    assert_bill_error(
        requests.get(f"{server.base_url.rsplit('/', 1)[0]}/elsewhere", timeout=30), 404, "BDC_1121"
    )


def test_given_unsupported_method_when_calling_then_404_bdc_1121(server):
    assert_bill_error(requests.delete(f"{server.base_url}/v3/customers", timeout=30), 404, "BDC_1121")


def test_given_malformed_json_when_creating_then_400(server):
    session = org_session(server)
    response = session.post(
        f"{server.base_url}/v3/customers", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_bill_error(response, 400)


def test_given_wrong_types_when_creating_then_400(server):
    session = org_session(server)
    assert_bill_error(session.post(f"{server.base_url}/v3/customers", json={"name": 42}), 400)
    assert_bill_error(session.post(f"{server.base_url}/v3/customers", json=["a", "list"]), 400)


def test_given_unknown_id_when_getting_then_404_envelope(server):
    assert_bill_error(org_session(server).get(f"{server.base_url}/v3/customers/0cu01AAAAAAAAAAAAAAA"), 404)


@pytest.mark.parametrize(
    ("faults", "check"),
    [
        (Faults(error_rate=1.0), lambda r: r.status_code == 500 and r.json()[0]["code"] == "BDC_1001"),
        (Faults(html_rate=1.0), lambda r: r.status_code == 502 and r.text.startswith("<html>")),
        (Faults(non_json_rate=1.0), lambda r: r.status_code == 200 and not r.text.startswith("{")),
        (
            Faults(truncated_rate=1.0),
            lambda r: r.status_code == 200 and r.text.startswith("{") and not r.text.endswith("}"),
        ),
        (Faults(throttle_rate=1.0), lambda r: r.status_code == 429 and r.json()[0]["code"] == "BDC_1322"),
    ],
)
def test_given_a_fault_rate_of_one_when_listing_then_every_response_is_that_fault(faults, check):
    with running_emulator(EmulatorSettings(scale="tiny", faults=faults)) as server:
        session = org_session(server)  # logins are spared
        for _ in range(3):
            assert check(session.get(f"{server.base_url}/v3/customers"))
        assert sum(server.counters()["faults"].values()) == 3


def test_given_connection_resets_when_listing_then_client_sees_a_broken_connection():
    with running_emulator(EmulatorSettings(scale="tiny", faults=Faults(reset_rate=1.0))) as server:
        session = org_session(server)
        with pytest.raises(requests.exceptions.RequestException):
            session.get(f"{server.base_url}/v3/customers", timeout=10).json()


def test_given_slow_responses_when_client_times_out_then_timeout_raised():
    with running_emulator(
        EmulatorSettings(scale="tiny", faults=Faults(slow_rate=1.0, slow_seconds=2))
    ) as server:
        session = org_session(server)
        with pytest.raises(requests.exceptions.Timeout):
            session.get(f"{server.base_url}/v3/customers", timeout=0.5)


def test_given_forced_session_expiry_every_3_requests_when_calling_then_third_gets_bdc_1109():
    with running_emulator(EmulatorSettings(scale="tiny", faults=Faults(expire_session_every=3))) as server:
        session = org_session(server)
        url = f"{server.base_url}/v3/customers"
        assert [session.get(url).status_code for _ in range(3)] == [200, 200, 401]
        assert_bill_error(session.get(url), 401, "BDC_1109")


def test_given_counters_when_reset_over_admin_route_then_zeroed(server):
    session = org_session(server)
    session.get(f"{server.base_url}/v3/customers")
    admin = server.base_url.rsplit("/", 1)[0] + "/_emulator"
    counters = requests.get(f"{admin}/counters", timeout=30).json()
    assert counters["requests"] >= 2 and counters["per_route"]["customers.list"] >= 1
    assert requests.post(f"{admin}/counters/reset", timeout=30).json()["requests"] == 0
