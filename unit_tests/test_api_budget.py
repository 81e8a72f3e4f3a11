"""The manifest's call budget: S&E under 60 calls a minute, everything else under the hourly budget."""

from __future__ import annotations

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit

from source_bill import SourceBill
from unit_tests.integration.config import API_ROOT, ConfigBuilder


def _budget(config):
    source = SourceBill(config=config)
    source.streams(config=source._config)  # builds the budget from the manifest
    return source._constructor._api_budget


def _request(path: str) -> requests.PreparedRequest:
    return requests.Request("GET", f"{API_ROOT}{path}", params={"max": 100}).prepare()


def test_given_spend_requests_when_over_55_in_a_minute_then_budget_holds_them_back():
    budget = _budget(ConfigBuilder().spend_expense().build())
    for _ in range(55):
        budget.acquire_call(_request("/spend/transactions"), block=False)
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(_request("/spend/cards"), block=False)


def test_given_hourly_budget_option_when_exceeded_then_budget_holds_back_ap_ar_requests():
    budget = _budget(ConfigBuilder().with_option("hourly_request_budget", 100).build())
    for _ in range(100):
        budget.acquire_call(_request("/vendors"), block=False)
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(_request("/bills"), block=False)


def test_given_a_429_response_when_updating_budget_then_it_does_not_block_the_hour():
    budget = _budget(ConfigBuilder().build())
    request = _request("/vendors")
    response = requests.Response()
    response.status_code = 429
    budget.update_from_response(request, response)
    budget.acquire_call(_request("/vendors"), block=False)  # still allowed: BDC codes drive the waits


def test_given_many_calls_when_the_budget_counts_them_then_it_keeps_no_request_in_memory():
    budget = _budget(ConfigBuilder().build())
    for _ in range(50):
        budget.acquire_call(_request("/vendors"), block=False)

    kept = [item.name for policy in budget._policies for item in policy._bucket.items]

    assert len(kept) == 50  # every call still counts against the hour
    assert not any(isinstance(name, requests.PreparedRequest) for name in kept)
