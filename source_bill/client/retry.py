"""What to do after a failed request to BILL: the one decision the client, the sign-in and the CDK's
error handler and backoff strategy all take.

BILL's code in the body wins over the HTTP status (`errors.classify`); a dropped connection or a
timeout is retried like a 5xx. With an OAuth access token (`bearer`) any 401 means a new token,
whatever the body: an expired token meets BILL's error array (BDC_1109 on AP/AR, BDC_1147 on Spend &
Expense), an OAuth error object or an empty body, depending on who answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

import requests

from .errors import BillApiError, ErrorKind, Failure
from .limits import concurrency_backoff, seconds_until_next_hour, transient_backoff

#: Wait before the request goes again with a new session (the sign-in itself takes its slot).
SIGN_IN_AGAIN_WAIT = 0.01


class Action(str, Enum):
    RETRY = "retry"  # the same request again after `wait`
    SIGN_IN_AGAIN = "sign_in_again"  # a new session, then the same request
    WAIT_FOR_NEXT_HOUR = "wait_for_next_hour"  # BILL's hourly budget is spent until the hour turns
    FAIL = "fail"  # retrying cannot help: `failure` says who can fix it


@dataclass(frozen=True)
class Decision:
    action: Action
    wait: float = 0.0
    failure: Failure = Failure.TRANSIENT
    #: A limit of BILL's rather than a fault: retried for as long as the wait allows, not counted
    #: against the attempts for faults.
    rate_limit: bool = False

    @property
    def retries(self) -> bool:
        return self.action is not Action.FAIL


def decide(
    error: BillApiError | requests.RequestException,
    attempt: int,
    *,
    now: datetime | None = None,
    bearer: bool = False,
) -> Decision:
    """The decision after `error` on the `attempt`-th try (1 for the first) of a request; `bearer`
    when the request carried an OAuth access token."""
    if isinstance(error, requests.RequestException):
        if isinstance(error, (requests.ConnectionError, requests.Timeout)):
            return Decision(Action.RETRY, transient_backoff(attempt))
        return Decision(Action.FAIL, failure=Failure.SYSTEM)
    kind = error.kind
    if kind is ErrorKind.SESSION_INVALID or (bearer and error.status == 401):
        return Decision(Action.SIGN_IN_AGAIN, SIGN_IN_AGAIN_WAIT)
    if kind is ErrorKind.CONCURRENCY_LIMIT:
        return Decision(Action.RETRY, concurrency_backoff(attempt))
    if kind is ErrorKind.RATE_LIMITED:
        return Decision(Action.RETRY, transient_backoff(attempt), rate_limit=True)
    if kind is ErrorKind.SYSTEM_ERROR:
        return Decision(Action.RETRY, transient_backoff(attempt))
    if kind is ErrorKind.HOURLY_LIMIT:
        wait = seconds_until_next_hour(now or datetime.now(timezone.utc))
        return Decision(Action.WAIT_FOR_NEXT_HOUR, wait, rate_limit=True)
    return Decision(Action.FAIL, failure=error.failure)


def retries_at_sign_in(decision: Decision) -> bool:
    """A sign-in is tried again only for what passes (BILL busy, the network); a rejected sign-in,
    BILL's hourly budget or a session problem is the caller's to report."""
    return decision.action is Action.RETRY
