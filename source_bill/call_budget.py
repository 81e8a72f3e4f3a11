"""The CDK's call budget, made to count calls without keeping them (`light_call_budget`): its
moving-window policy kept every request of the last hour in memory, headers and URL and all."""

from __future__ import annotations

from typing import Any

from . import cdk_internals as cdk


def light_call_budget(budget: Any) -> None:
    """Keep the CDK's call budget from holding every request of the last hour in memory.

    A moving-window policy records each call as a pyrate_limiter `RateItem` named by what it is
    given, and the CDK gives it the `PreparedRequest`: up to `hourly_request_budget` requests,
    headers and URL and all, stay in memory for an hour (a tenth of the connector's peak memory
    after 5,000 requests). The budget only counts and times calls, so they are recorded by name.
    """
    for policy in cdk.budget_policies(budget):
        factory = cdk.policy_bucket_factory(policy)
        wrap_item = getattr(factory, "wrap_item", None)
        if wrap_item is None or getattr(wrap_item, "bill_light", False):
            continue

        def light_wrap_item(name: Any, weight: int = 1, _wrap: Any = wrap_item) -> Any:
            return _wrap("call", weight)

        light_wrap_item.bill_light = True  # type: ignore[attr-defined]
        factory.wrap_item = light_wrap_item  # type: ignore[union-attr]
