"""The request slots: never more holders than slots, first come first served, the login included."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget, LimiterSession, MovingWindowCallRatePolicy, Rate
from requests.adapters import BaseAdapter

from source_bill.client import gate as gate_module
from source_bill.client.gate import Gate, GatedAdapter, gate_session, reset_gates, shared_gate
from source_bill.client.thread_switching import PYTHONS_SECONDS, QUICK_SECONDS, ThreadSwitching


def test_given_more_threads_than_slots_when_acquiring_then_never_more_holders_than_slots():
    gate = Gate(3)
    holders, peak, lock = [0], [0], threading.Lock()

    def work() -> None:
        for _ in range(20):
            with gate:
                with lock:
                    holders[0] += 1
                    peak[0] = max(peak[0], holders[0])
                time.sleep(0.0005)
                with lock:
                    holders[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak[0] == 3
    assert holders[0] == 0


def test_given_waiting_threads_when_a_slot_frees_then_the_longest_waiting_gets_it():
    gate = Gate(1)
    gate.acquire()
    order: list[int] = []
    started = []

    def wait_for_slot(index: int) -> None:
        gate.acquire()
        order.append(index)
        gate.release()

    for index in range(5):
        thread = threading.Thread(target=wait_for_slot, args=(index,))
        thread.start()
        started.append(thread)
        while len(gate._waiters) < index + 1:  # queue them in a known order
            time.sleep(0.001)
    gate.release()
    for thread in started:
        thread.join()

    assert order == [0, 1, 2, 3, 4]


def test_given_a_freed_slot_when_a_newcomer_asks_before_the_waiter_runs_then_the_waiter_keeps_it():
    gate = Gate(1)
    gate.acquire()
    got: list[str] = []
    waiter = threading.Thread(target=lambda: (gate.acquire(), got.append("waiter")))
    waiter.start()
    while not gate._waiters:
        time.sleep(0.001)

    gate.release()  # handed to the waiter, even if it has not run yet
    newcomer = threading.Thread(target=lambda: (gate.acquire(), got.append("newcomer")))
    newcomer.start()
    waiter.join()
    assert got == ["waiter"]
    gate.release()
    newcomer.join()
    assert got == ["waiter", "newcomer"]


def test_given_more_releases_than_acquires_when_releasing_then_raises():
    gate = Gate(2)
    with pytest.raises(ValueError):
        gate.release()


def test_shared_gate_is_one_per_key_until_reset():
    assert shared_gate("a", 3) is shared_gate("a", 3)
    assert shared_gate("a", 3) is not shared_gate("b", 3)
    first = shared_gate("a", 3)
    reset_gates()
    assert shared_gate("a", 3) is not first


def _ok(request: requests.PreparedRequest) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = b"{}"
    response.request = request
    return response


class _FakeAdapter(BaseAdapter):
    def close(self) -> None:
        pass


class _SlowAdapter(_FakeAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def send(self, request, **kwargs):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.005)
        with self.lock:
            self.in_flight -= 1
        return _ok(request)


def test_given_sessions_sharing_a_gate_when_sending_concurrently_then_in_flight_never_exceeds_its_slots():
    inner = _SlowAdapter()
    gate = Gate(3)
    sessions = []
    for _ in range(3):  # e.g. two streams and the login session
        session = requests.Session()
        session.mount("http://", inner)
        gate_session(session, gate)
        gate_session(session, gate)  # idempotent
        sessions.append(session)

    def send(session: requests.Session) -> None:
        for _ in range(10):
            session.get("http://bill.example/connect/v3/vendors")

    threads = [threading.Thread(target=send, args=(sessions[i % 3],)) for i in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert inner.peak == 3
    assert isinstance(sessions[0].get_adapter("http://bill.example"), GatedAdapter)
    assert sessions[0].get_adapter("http://bill.example").inner is inner


class _FirstCallSlowAdapter(_FakeAdapter):
    """Records when each request goes on the wire; the first answer takes half a second."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []
        self.lock = threading.Lock()

    def send(self, request, **kwargs):
        with self.lock:
            self.sent.append(time.monotonic())
            first = len(self.sent) == 1
        time.sleep(0.5 if first else 0.01)
        return _ok(request)


def test_given_calls_queued_for_a_slot_when_sent_then_the_call_budget_holds_on_the_wire():
    limit = 3
    budget = APIBudget(
        policies=[MovingWindowCallRatePolicy(rates=[Rate(limit, timedelta(seconds=1))], matchers=[])]
    )
    session = LimiterSession(api_budget=budget)
    inner = _FirstCallSlowAdapter()
    session.mount("http://", inner)
    gate_session(session, Gate(1))

    threads = [
        threading.Thread(target=session.get, args=("http://bill.example/connect/v3/spend/transactions",))
        for _ in range(2 * limit)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Counted when asked for, calls 2 and 3 would count at 0 s but go out after the slow first one,
    # and calls 4 to 6 would go out at 1 s: five calls within one second on the wire.
    sent = sorted(inner.sent)
    assert len(sent) == 2 * limit
    gaps = [later - earlier for earlier, later in zip(sent, sent[limit:], strict=False)]
    assert min(gaps) >= 0.99, gaps


class _RecordingBudget(APIBudget):
    """A call budget that records the URL of every call it counts."""

    def __init__(self) -> None:
        super().__init__(
            policies=[MovingWindowCallRatePolicy(rates=[Rate(100, timedelta(hours=1))], matchers=[])]
        )
        self.counted: list[str] = []

    def acquire_call(self, request, block: bool = True, timeout: float | None = None) -> None:
        self.counted.append(str(request.url))


def test_given_sign_in_session_when_it_sends_then_its_calls_count_in_the_streams_budget_even_the_first():
    gate = Gate(3)
    sign_in = requests.Session()  # the token endpoint's session: no budget of its own
    sign_in.mount("http://", _SlowAdapter())
    gate_session(sign_in, gate)
    sign_in.post("http://bill.example/connect/authx/token")  # the read's first token: no stream yet

    budget = _RecordingBudget()
    stream = LimiterSession(api_budget=budget)
    stream.mount("http://", _SlowAdapter())
    gate_session(stream, gate)  # the streams bring the sync's budget
    stream.get("http://bill.example/connect/v3/vendors")
    sign_in.post("http://bill.example/connect/authx/token")  # a renewal during the sync

    assert budget.counted == [
        "http://bill.example/connect/authx/token",
        "http://bill.example/connect/v3/vendors",
        "http://bill.example/connect/authx/token",
    ]
    assert gate.budget is budget


class _Answering(_FakeAdapter):
    def send(self, request, **kwargs):
        return _ok(request)


def test_given_a_cpu_bound_read_when_its_requests_pass_the_gate_then_threads_switch_at_pythons_interval(
    monkeypatch: pytest.MonkeyPatch,
):
    clock, cpu, intervals = [0.0], [0.0], []
    switching = ThreadSwitching(lambda: clock[0], lambda: cpu[0], intervals.append)
    monkeypatch.setattr(gate_module, "THREAD_SWITCHING", switching)
    session = requests.Session()
    session.mount("http://", _Answering())
    gate_session(session, Gate(3))
    switching.start()
    for _ in range(3):  # each second of the read, the process busy on its CPU the whole time
        clock[0] += 1.0
        cpu[0] += 1.0
        session.get("http://bill.example/connect/v3/invoices")
    assert intervals == [QUICK_SECONDS, PYTHONS_SECONDS]
