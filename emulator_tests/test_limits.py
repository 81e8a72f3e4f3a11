"""BILL's limits: 3 in flight per developer key and organization, 20,000 an hour, 200 logins an hour."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bill_emulator import EmulatorSettings, Limits, running_emulator
from emulator_tests.wire import assert_bill_error, login, org_session


def _burst(session: requests.Session, url: str, count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: session.get(url, timeout=30), range(count)))


@pytest.mark.parametrize("status", [429, 422, 400])
def test_given_more_than_3_in_flight_when_calling_then_bdc_1322_with_configured_status(status):
    settings = EmulatorSettings(scale="tiny", latency_ms=300, limits=Limits(limit_status=status))
    with running_emulator(settings) as server:
        session = org_session(server)
        responses = _burst(session, f"{server.base_url}/v3/customers", 8)
        rejected = [r for r in responses if r.status_code != 200]
        assert sum(r.status_code == 200 for r in responses) == 3
        for response in rejected:
            assert_bill_error(response, status, "BDC_1322")
        assert server.counters()["peak_in_flight"] == 3


def test_given_3_in_flight_when_calling_then_all_succeed():
    with running_emulator(EmulatorSettings(scale="tiny", latency_ms=200)) as server:
        session = org_session(server)
        assert all(r.status_code == 200 for r in _burst(session, f"{server.base_url}/v3/customers", 3))


def test_given_hourly_budget_spent_when_calling_then_bdc_1144_until_next_window():
    limits = Limits(requests_per_hour=6, window_scale=1.0)
    settings = EmulatorSettings(scale="tiny", limits=limits, fake_clock=True, session_idle_seconds=7200)
    with running_emulator(settings) as server:
        server.emulator.advance_clock(3600 - server.emulator.clock.now() % 3600 + 1)  # start of an hour
        session = org_session(server)  # the login is one of the hour's 6 requests
        url = f"{server.base_url}/v3/customers"
        assert all(session.get(url).status_code == 200 for _ in range(5))
        assert_bill_error(session.get(url), 429, "BDC_1144")
        server.emulator.advance_clock(3600)
        assert session.get(url).status_code == 200


def test_given_200_logins_in_an_hour_when_logging_in_again_then_refused():
    limits = Limits(logins_per_hour=3)
    with running_emulator(EmulatorSettings(scale="tiny", limits=limits, fake_clock=True)) as server:
        server.emulator.advance_clock(3600 - server.emulator.clock.now() % 3600 + 1)
        assert all(login(server).status_code == 200 for _ in range(3))
        assert_bill_error(login(server), 429)


def test_given_limits_switched_off_when_bursting_then_nothing_is_refused():
    limits = Limits(concurrent_per_org=None)
    with running_emulator(EmulatorSettings(scale="tiny", latency_ms=200, limits=limits)) as server:
        session = org_session(server)
        assert all(r.status_code == 200 for r in _burst(session, f"{server.base_url}/v3/customers", 6))
