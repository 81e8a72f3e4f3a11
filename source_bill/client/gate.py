"""BILL's limit of requests in flight, for every request of a sync, the login included.

BILL refuses a fourth concurrent request per developer key and organization (BDC_1322). The
connector runs more worker threads than that, so that a thread busy with a page it just received
never leaves a request slot idle; `GatedAdapter` makes a thread hold one of the shared slots only
while its request is on the wire (sent, answered and the body read).

The gate also carries the sync's call budget (the hourly request budget): the streams' sessions
bring it, and the sign-in's session (logins, OAuth token requests) counts its calls in it too.
A sign-in sent before the streams exist (the first one of a read) is counted once the budget arrives.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import BaseAdapter

from ..cdk_internals import move_session_call_budget
from .limits import MAX_CONCURRENT_REQUESTS
from .thread_switching import THREAD_SWITCHING


class Gate:
    """`permits` request slots, served first come, first served.

    `threading.Semaphore` is not fair: a thread woken for a freed slot can lose it to a thread
    that just arrived and go back to the end of the queue. Threads that send one short request
    after another (one per customer, say) then starve a thread walking a long list. Here a freed
    slot is handed to the longest-waiting thread.
    """

    def __init__(self, permits: int = MAX_CONCURRENT_REQUESTS, budget_key: str | None = None) -> None:
        self.permits = max(1, int(permits))
        #: Whose hourly request budget this is (BILL counts per developer key, across organizations).
        self.budget_key = budget_key
        self._free = self.permits
        self._waiters: deque[threading.Lock] = deque()
        self._lock = threading.Lock()
        #: The sync's call budget, once a stream's session brought it (`gate_session`).
        self.budget: Any = None
        self._uncounted: deque[requests.PreparedRequest] = deque(maxlen=_MAX_UNCOUNTED)

    def count_call(self, request: requests.PreparedRequest) -> None:
        """Count a call of a session without a budget of its own (the sign-in) in the sync's budget,
        or later, when the budget arrives."""
        with self._lock:
            budget = self.budget
            if budget is None:
                self._uncounted.append(request)
                return
        budget.acquire_call(request)

    def shared_budget(self, budget: Any) -> Any:
        """The call budget of this gate's `budget_key` for the sync: the first one brought (by any
        organization's streams), so that every organization read with one developer key counts its
        calls in one hourly budget."""
        if budget is None or self.budget_key is None:
            return budget
        with _gates_lock:
            return _budgets.setdefault(self.budget_key, budget)

    def use_budget(self, budget: Any) -> None:
        """Make `budget` the sync's call budget, counting the calls sent before it arrived."""
        with self._lock:
            if budget is None or budget is self.budget:
                return
            self.budget = budget
            waiting = list(self._uncounted)
            self._uncounted.clear()
        for request in waiting:
            budget.acquire_call(request)

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # released by `release`, which hands its slot over

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            elif self._free < self.permits:
                self._free += 1
            else:
                raise ValueError("Gate released more times than acquired")

    def __enter__(self) -> Gate:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


#: Sign-ins kept to be counted once the budget arrives (a read sends one or two before it does).
_MAX_UNCOUNTED = 16

_gates: dict[tuple[str, int], Gate] = {}
_budgets: dict[str, Any] = {}
_gates_lock = threading.Lock()


def shared_gate(key: str, permits: int = MAX_CONCURRENT_REQUESTS, budget_key: str | None = None) -> Gate:
    """The process-wide slots for `key` (one per API root and credentials: per organization), whose
    calls count in the hourly budget of `budget_key` (the developer key)."""
    permits = max(1, int(permits))
    gate = _gates.get((key, permits))  # found without the lock, as the session managers are
    if gate is not None:
        return gate
    with _gates_lock:
        gate = _gates.get((key, permits))
        if gate is None:
            gate = _gates[(key, permits)] = Gate(permits, budget_key)
        return gate


def reset_gates() -> None:
    """Forget every gate and budget (start of a sync; a sync never starts while another one has
    requests out)."""
    with _gates_lock:
        _gates.clear()
        _budgets.clear()


class GatedAdapter(BaseAdapter):
    """Wraps a session's adapter: holds a slot of `gate` while a request is in flight.

    With a call `budget` (the CDK's `APIBudget`), a call is counted once it holds its slot, just
    before it goes on the wire. Counted earlier, when the CDK asks for it, calls that then queue for
    a slot reach BILL later than counted, and a sliding minute at BILL's end holds more calls than
    the budget let through (60 instead of 55 for Spend & Expense, bench scenario 5).
    """

    def __init__(self, inner: BaseAdapter, gate: Gate, budget: Any = None) -> None:
        super().__init__()
        self.inner = inner
        self.gate = gate
        self.budget = budget

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with self.gate:
            if self.budget is not None:
                self.budget.acquire_call(request)
            else:
                self.gate.count_call(request)
            response = self.inner.send(request, **kwargs)
            if not kwargs.get("stream"):
                response.content  # noqa: B018 - read the body while the slot is held
            if self.budget is not None:
                self.budget.update_from_response(request, response)
        THREAD_SWITCHING.tick()
        return response

    def close(self) -> None:
        self.inner.close()


def gate_session(session: requests.Session, gate: Gate) -> None:
    """Route every request of `session` through `gate` (idempotent).

    A CDK session's call budget (`LimiterSession`) moves into the gate: the session no longer
    counts calls when asked for, the gate counts them on the wire (see `GatedAdapter`). A session
    without one (the sign-in's) counts its calls in the budget the streams' sessions brought.
    """
    budget = gate.shared_budget(move_session_call_budget(session, _NO_BUDGET))
    adapters: Mapping[str, BaseAdapter] = dict(session.adapters)
    for prefix, adapter in adapters.items():
        if isinstance(adapter, GatedAdapter):
            if adapter.gate is gate and (budget is None or adapter.budget is budget):
                budget = budget or adapter.budget
                continue
            budget = budget or adapter.budget
            adapter = adapter.inner
        session.mount(prefix, GatedAdapter(adapter, gate, budget))
    gate.use_budget(budget)


class _NoBudget:
    """A call budget that lets every call through at once (the gate counts them instead)."""

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        return None

    def update_from_response(self, request: Any, response: Any) -> None:
        return None


_NO_BUDGET = _NoBudget()
