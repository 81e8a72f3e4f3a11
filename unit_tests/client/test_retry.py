"""One decision after a failed request (source_bill/client/retry.py), for the client, the sign-in and
the CDK's error handler alike."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests

from source_bill.client.errors import Failure, error_from_response
from source_bill.client.retry import Action, decide, retries_at_sign_in


def _error(status: int, code: str | None = None):
    body = json.dumps([{"code": code, "message": "m"}]) if code else ""
    return error_from_response(status, body)


@pytest.mark.parametrize(
    ("status", "code", "action", "wait"),
    [
        (401, "BDC_1109", Action.SIGN_IN_AGAIN, 0.01),
        (429, "BDC_1322", Action.RETRY, 4.0),
        (422, "BDC_1322", Action.RETRY, 4.0),
        (500, "BDC_1001", Action.RETRY, 10.0),
        (503, None, Action.RETRY, 10.0),
        (429, None, Action.RETRY, 10.0),
        (400, "BDC_1149", Action.RETRY, 10.0),
    ],
)
def test_given_a_passing_error_when_deciding_then_retried_after_its_wait(status, code, action, wait):
    decision = decide(_error(status, code), attempt=2)

    assert decision.action is action
    assert decision.wait == wait
    assert decision.retries


def test_given_the_hourly_limit_when_deciding_then_wait_for_the_next_hour():
    now = datetime(2026, 1, 1, 10, 59, 0, tzinfo=timezone.utc)

    decision = decide(_error(429, "BDC_1144"), attempt=1, now=now)

    assert decision.action is Action.WAIT_FOR_NEXT_HOUR
    assert decision.wait == 65.0  # to 11:00 plus 5 s
    assert decision.rate_limit
    assert not retries_at_sign_in(decision)


@pytest.mark.parametrize(
    ("status", "code", "failure"),
    [(400, "BDC_1101", Failure.CONFIG), (400, "BDC_1102", Failure.CONFIG), (400, "BDC_9999", Failure.SYSTEM)],
)
def test_given_an_error_retrying_cannot_fix_when_deciding_then_fail_naming_who_can(status, code, failure):
    decision = decide(_error(status, code), attempt=1)

    assert decision.action is Action.FAIL
    assert decision.failure is failure
    assert not decision.retries


def test_given_a_dropped_connection_when_deciding_then_retried_like_a_server_error():
    assert decide(requests.ConnectionError("reset"), attempt=1) == decide(_error(500, "BDC_1001"), attempt=1)
    assert decide(requests.Timeout("slow"), attempt=3).wait == 20.0


def test_given_a_sign_in_when_bill_is_busy_then_retried_but_not_when_refused():
    assert retries_at_sign_in(decide(_error(429, "BDC_1322"), attempt=1))
    assert not retries_at_sign_in(decide(_error(400, "BDC_1101"), attempt=1))
    assert not retries_at_sign_in(decide(_error(401, "BDC_1109"), attempt=1))
