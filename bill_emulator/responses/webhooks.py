"""The webhook API (`/connect-events`): catalog, subscriptions, security keys, events, test and resend."""

from __future__ import annotations

from bill_emulator import deliveries
from bill_emulator.backends import webhooks
from bill_emulator.handlers import Call, Reply
from bill_emulator.responses.answers import answer, done

IDEMPOTENT_KEY = "x-idempotent-key"  # request headers reach handlers in lower case


def catalog(call: Call) -> Reply:
    return Reply(200, webhooks.catalog())


list_subscriptions = answer(webhooks.list_subscriptions, query=True)


def create_subscription(call: Call) -> Reply:
    settings = call.settings.webhooks
    result = webhooks.idempotent(
        call.ctx,
        call.headers.get(IDEMPOTENT_KEY),
        "POST /v3/subscriptions",
        settings.idempotency_seconds,
        lambda: webhooks.create_subscription(call.ctx, call.body, settings.max_subscriptions),
    )
    return Reply(200, result)


get_subscription = answer(webhooks.get_subscription, "subscriptionId")


def replace_subscription(call: Call) -> Reply:
    return Reply(200, webhooks.update_subscription(call.ctx, call.path["subscriptionId"], call.body, True))


def update_subscription(call: Call) -> Reply:
    return Reply(200, webhooks.update_subscription(call.ctx, call.path["subscriptionId"], call.body, False))


delete_subscription = done(webhooks.delete_subscription, "subscriptionId")


def new_security_key(call: Call) -> Reply:
    subscription_id = call.path["subscriptionId"]
    result = webhooks.idempotent(
        call.ctx,
        call.headers.get(IDEMPOTENT_KEY),
        f"POST /v3/subscriptions/{subscription_id}/security_key",
        call.settings.webhooks.idempotency_seconds,
        lambda: webhooks.new_security_key(call.ctx, subscription_id),
    )
    return Reply(200, result)


list_events = answer(webhooks.list_events, "subscriptionId", query=True)


def _sent_now(call: Call, event_id: str) -> Reply:
    """Answer with the event once the receiver answered (or did not), off the event loop."""
    store, settings = call.ctx.store, call.settings.webhooks
    return Reply(200, then=lambda: Reply(200, deliveries.send_now(store, event_id, settings)))


def test_event(call: Call) -> Reply:
    return _sent_now(call, webhooks.test_event(call.ctx, call.path["subscriptionId"], call.body))


def resend_event(call: Call) -> Reply:
    return _sent_now(call, webhooks.event_of(call.ctx, call.path["subscriptionId"], call.path["eventId"]))
