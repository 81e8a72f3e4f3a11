import threading
import time
from datetime import timedelta

import pytest
import requests

from source_bill.client.errors import BillApiError, ErrorKind, error_from_response
from source_bill.client.sessions import LoginBudget, LoginLimitError, SessionManager


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


class FakeLogin:
    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else f"session-{self.calls}"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _manager(login, clock=None, **kwargs):
    clock = clock or Clock()
    return SessionManager(login, clock=clock, sleep=lambda s: None, budget=LoginBudget(clock=clock), **kwargs)


def test_given_no_session_when_asked_twice_then_logs_in_once():
    login = FakeLogin()
    manager = _manager(login)
    assert manager.session_id() == "session-1"
    assert manager.session_id() == "session-1"
    assert login.calls == 1


def test_given_many_threads_when_asking_at_once_then_one_login_shared():
    gate = threading.Event()

    def slow_login():
        gate.wait(1)
        time.sleep(0.05)
        return "shared"

    calls = []
    manager = SessionManager(lambda: calls.append(1) or slow_login(), sleep=lambda s: None)
    results = []
    threads = [threading.Thread(target=lambda: results.append(manager.session_id())) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert results == ["shared"] * 8
    assert len(calls) == 1


def test_given_session_idle_past_refresh_when_asked_then_relogs_in_proactively():
    clock = Clock()
    login = FakeLogin()
    manager = _manager(login, clock, refresh_after=timedelta(minutes=30))
    manager.session_id()
    clock.advance(29.9)
    assert manager.session_id() == "session-1"
    clock.advance(29.9)  # sliding: each use resets the idle timer
    assert manager.session_id() == "session-1"
    clock.advance(30)
    assert manager.session_id() == "session-2"
    assert login.calls == 2


def test_given_refresh_not_before_bill_timeout_when_building_then_rejected():
    with pytest.raises(ValueError, match="35"):
        SessionManager(FakeLogin(), refresh_after=timedelta(minutes=35))


def test_given_invalid_session_reported_by_many_requests_then_one_relogin():
    login = FakeLogin()
    manager = _manager(login)
    stale = manager.session_id()
    assert manager.report_invalid(stale) is True
    assert manager.report_invalid(stale) is True  # a second request in flight with the same session
    assert manager.session_id() == "session-2"
    assert manager.report_invalid(stale) is True  # late report: already replaced, retry with the new one
    assert manager.session_id() == "session-2"
    assert login.calls == 2


def test_given_fresh_recovery_session_rejected_when_reported_then_no_more_relogin():
    login = FakeLogin()
    manager = _manager(login)
    manager.report_invalid(manager.session_id())
    recovered = manager.session_id()
    assert manager.report_invalid(recovered) is False
    assert login.calls == 2


def test_given_recovery_session_confirmed_when_it_expires_later_then_relogs_in_again():
    login = FakeLogin()
    manager = _manager(login)
    manager.report_invalid(manager.session_id())
    recovered = manager.session_id()
    manager.confirm(recovered)
    assert manager.report_invalid(recovered) is True
    assert manager.session_id() == "session-3"


def test_given_no_session_header_when_reported_then_no_retry():
    manager = _manager(FakeLogin())
    assert manager.report_invalid(None) is False


def test_given_200_logins_in_an_hour_when_logging_in_again_then_clear_error():
    clock = Clock()
    budget = LoginBudget(limit=200, clock=clock)
    for _ in range(200):
        budget.acquire()
    with pytest.raises(LoginLimitError, match="200 logins per hour"):
        budget.acquire()
    clock.advance(60)
    budget.acquire()  # the oldest attempts left the one-hour window


def test_given_login_budget_used_up_when_session_needed_then_login_limit_error_and_no_login():
    clock = Clock()
    budget = LoginBudget(limit=2, clock=clock)
    login = FakeLogin()
    manager = SessionManager(login, clock=clock, budget=budget, sleep=lambda s: None)
    manager.session_id()
    manager.invalidate()
    manager.session_id()
    manager.invalidate()
    with pytest.raises(LoginLimitError):
        manager.session_id()
    assert login.calls == 2


def test_given_bad_credentials_when_logging_in_then_raised_without_retry():
    error = error_from_response(
        400, '[{"code": "BDC_1101", "message": "User name and/or password do not match our records."}]'
    )
    login = FakeLogin(error)
    manager = _manager(login)
    with pytest.raises(BillApiError) as raised:
        manager.session_id()
    assert raised.value.kind is ErrorKind.BAD_CREDENTIALS
    assert login.calls == 1


def test_given_concurrency_limit_then_success_when_logging_in_then_retried():
    busy = error_from_response(429, '[{"code": "BDC_1322", "message": "Max number of concurrent requests"}]')
    login = FakeLogin(busy, requests.ConnectionError("reset"), "session-ok")
    sleeps = []
    manager = SessionManager(login, sleep=sleeps.append, login_attempts=3)
    assert manager.session_id() == "session-ok"
    assert login.calls == 3
    assert len(sleeps) == 2 and all(s > 0 for s in sleeps)
    assert manager.login_count == 3


def test_given_transient_failures_on_every_attempt_when_logging_in_then_last_error_raised():
    login = FakeLogin(*(error_from_response(500, b"") for _ in range(3)))
    manager = SessionManager(login, sleep=lambda s: None, login_attempts=3)
    with pytest.raises(BillApiError) as raised:
        manager.session_id()
    assert raised.value.kind is ErrorKind.SYSTEM_ERROR
    assert login.calls == 3
