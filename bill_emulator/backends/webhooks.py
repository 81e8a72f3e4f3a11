"""BILL's webhooks (the `connect-events` API): the event catalog, subscriptions and their security
keys, X-Idempotent-Key answers, and the event log with the bookkeeping of its deliveries.

Plain values in and out; sending a notification over HTTP is `bill_emulator/deliveries.py`'s. Events
come from the store's watchers (`record_changes`): an object of a catalog family created, changed,
archived or restored, in an organization with an enabled subscription to that event, makes one event
per such subscription. docs/emulator.md ("Webhooks") says which rules BILL documents and which are
the emulator's reading of them.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from bill_emulator.backends.context import Context
from bill_emulator.errors import BillApiError, invalid_body, invalid_parameter, not_found, unprocessable
from bill_emulator.query import decode_cursor, encode_cursor
from bill_emulator.store import Change, Store
from bill_emulator.validation import body_object, boolean, json_object, objects, text

SUBSCRIPTIONS = "webhook_subscriptions"  # records: scope = organization id
EVENTS = "webhook_events"  # records: scope = organization id, parent = subscription id
SECURITY_KEY = "webhook_security_key"  # credentials: principal = subscription id
VERSION = "1"  # every event type has version "1" (BILL's catalog and examples)
MAX_PAGE, DEFAULT_PAGE = 100, 20
# Delivery states: queued for the background sender, sent with 200, given up after the last retry (BILL's
# dead-letter queue), or a test notification (sent once, while the API call waits).
PENDING, DELIVERED, DEAD, TEST = "pending", "delivered", "dead", "test"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        subscription_id TEXT NOT NULL,
        entity_id TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_attempt)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_of ON webhook_deliveries (subscription_id, entity_id)",
    """CREATE TABLE IF NOT EXISTS webhook_idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        route TEXT NOT NULL,
        answer TEXT NOT NULL,
        created REAL NOT NULL,
        PRIMARY KEY (scope, key)
    )""",
)


def install(store: Store) -> None:
    """The webhook tables beside the records (an existing database keeps its subscriptions)."""
    for sql in _SCHEMA:
        store.execute(sql)


# -- the catalog ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """An emulated object family whose writes make events: `<name>.<action>`, the object under `key`."""

    kind: str  # storage kind
    name: str  # event type prefix
    key: str  # the payload's key for the object
    fields: tuple[str, ...] | None = None  # the object's fields a payload carries (None: all of them)


# BILL's organization-level catalog (REFERENCE.md §7, BILL's notification payload reference). S&E events
# (`spend.*`) need an apiToken subscription and fire in production only; they are not emulated.
CATALOG: tuple[str, ...] = (
    "vendor.created",
    "vendor.updated",
    "vendor.archived",
    "vendor.restored",
    "autopay.failed",
    "bill.created",
    "bill.updated",
    "bill.archived",
    "bill.restored",
    "payment.updated",
    "payment.failed",
    "bank-account.created",
    "bank-account.updated",
    "card-account.created",
    "card-account.updated",
    "invoice.created",
    "invoice.updated",
    "invoice.archived",
    "invoice.restored",
    "risk-verification.updated",
)
# Bill, vendor, bank and card account payloads carry every response field (BILL changelogs 2025-02-28 and
# 2025-04-10); an invoice payload the fields of BILL's invoice samples: no lines, no payments.
INVOICE_FIELDS = (
    "id",
    "customerId",
    "archived",
    "invoiceNumber",
    "invoiceDate",
    "dueDate",
    "totalAmount",
    "dueAmount",
    "createdTime",
    "updatedTime",
    "status",
    "scheduledAmount",
    "creditAmount",
    "salesTaxTotal",
    "salesTaxPercentage",
)
FAMILIES = (
    Family("vendors", "vendor", "vendor"),
    Family("bills", "bill", "bill"),
    Family("invoices", "invoice", "invoice", INVOICE_FIELDS),
    Family("payments", "payment", "payment"),
    Family("bank_accounts", "bank-account", "bankAccount"),
    Family("card_accounts", "card-account", "cardAccount"),
)
BY_KIND = {family.kind: family for family in FAMILIES}
WATCHED_KINDS = frozenset(BY_KIND)


def catalog() -> list[dict[str, Any]]:
    return [{"type": event_type, "versions": [VERSION]} for event_type in CATALOG]


def event_types(change: Change) -> list[str]:
    """The catalog events one committed change makes: created, archived, restored or updated (an
    archive or restore of a family without those events is an update); payment.failed when a payment
    turns FAILED. A delete makes none (BILL archives; the families delete nothing it would notify)."""
    family = BY_KIND.get(change.kind)
    if family is None or change.after is None or change.before == change.after:
        return []
    if change.before is None:
        actions = ["created"]
    else:
        was, now = _archived(change.before), _archived(change.after)
        actions = ["archived" if now else "restored"] if was != now else ["updated"]
        if change.after.get("status") == "FAILED" and change.before.get("status") != "FAILED":
            actions.append("failed")
    found = []
    for action in actions:
        event_type = f"{family.name}.{action}"
        if event_type not in CATALOG and action in ("created", "archived", "restored"):
            event_type = f"{family.name}.updated"
        if event_type in CATALOG and event_type not in found:
            found.append(event_type)
    return found


def _archived(body: Mapping[str, Any]) -> bool:
    return bool(body.get("archived"))


# -- notification URLs ------------------------------------------------------------------------------
LOOPBACK_ONLY = (
    "notificationUrl: the emulator sends notifications only to this machine: use http(s)://127.0.0.1, "
    "http(s)://[::1] or http(s)://localhost with your receiver's port."
)


def is_loopback(host: str) -> bool:
    """A host name or address that stays on this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def notification_url(value: Any) -> str:
    """An http(s) URL on a loopback host (BILL asks for HTTPS; the emulator takes http on loopback)."""
    if not isinstance(value, str) or not value.strip():
        raise invalid_body("notificationUrl: must not be blank")
    url = value.strip()
    host = url_host(url)
    if host is None:
        raise invalid_body(f"notificationUrl: {url!r} is not an http(s) URL")
    if not is_loopback(host):
        raise invalid_body(LOOPBACK_ONLY)
    return url


def url_host(url: str) -> str | None:
    """The host of an http(s) URL with a valid port, else None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not one
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


# -- subscriptions ----------------------------------------------------------------------------------
def _events(value: Any) -> list[dict[str, str]]:
    items = objects(value, "events: must be a non-empty array of {type, version} objects")
    chosen: list[dict[str, str]] = []
    for item in items:
        event_type, version = item.get("type"), item.get("version")
        if not isinstance(event_type, str) or event_type not in CATALOG:
            raise invalid_body(
                f"events.type: {event_type!r} is not in the events catalog (GET /v3/events/catalog)"
            )
        if version != VERSION:
            raise invalid_body(f"events.version: {event_type} has version {VERSION!r} only")
        if any(e["type"] == event_type for e in chosen):
            raise invalid_body(f"events: {event_type} is listed twice")
        chosen.append({"type": event_type, "version": VERSION})
    return chosen


def _fields(body: Any, whole: bool) -> dict[str, Any]:
    """The subscription fields a create or PUT (`whole`: all four required) or a PATCH names."""
    body = body_object(body)
    if whole:
        for name in ("name", "status", "events", "notificationUrl"):
            if body.get(name) is None:
                raise invalid_body(f"{name}: must not be null")
    fields: dict[str, Any] = {}
    if body.get("name") is not None:
        fields["name"] = text(body, "name", 255)
        if not fields["name"].strip():
            raise invalid_body("name: must not be blank")
    if body.get("status") is not None:
        status = json_object(body["status"], "status")
        fields["status"] = {"enabled": boolean(status.get("enabled"), "status.enabled")}
    if body.get("events") is not None:
        fields["events"] = _events(body["events"])
    if body.get("notificationUrl") is not None:
        fields["notificationUrl"] = notification_url(body["notificationUrl"])
    return fields


def _same_target(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    events = {e["type"] for e in a["events"]} == {e["type"] for e in b["events"]}
    return events and a["notificationUrl"] == b["notificationUrl"]


def _refuse_duplicate(ctx: Context, subscription: Mapping[str, Any]) -> None:
    """BILL allows no two subscriptions of an organization for the same events and URL."""
    for row in ctx.store.find(SUBSCRIPTIONS, ctx.scope):
        if row.id != subscription["id"] and _same_target(row.body, subscription):
            raise unprocessable(f"Subscription {row.id} already sends these events to this notificationUrl.")


def create_subscription(ctx: Context, body: Any, limit: int) -> dict[str, Any]:
    """POST /v3/subscriptions: the subscription and its one-time `securityKey`."""
    fields = _fields(body, whole=True)
    if ctx.store.count(SUBSCRIPTIONS, ctx.scope) >= limit:
        raise unprocessable(f"An organization can have up to {limit} webhook subscriptions.")
    now = ctx.now()
    subscription = {
        "id": ctx.ids.uuid4(),
        "name": fields["name"],
        "organizationId": ctx.scope,
        "status": fields["status"],
        "events": fields["events"],
        "notificationUrl": fields["notificationUrl"],
        "createdTime": now,
        "updatedTime": now,
    }
    _refuse_duplicate(ctx, subscription)
    ctx.store.insert(SUBSCRIPTIONS, ctx.scope, subscription)
    return {**subscription, "securityKey": _new_key(ctx, subscription["id"])}


def get_subscription(ctx: Context, subscription_id: str) -> dict[str, Any]:
    row = ctx.store.get(SUBSCRIPTIONS, subscription_id)
    if row is None or row.scope != ctx.scope:
        raise not_found("Subscription", str(subscription_id))
    return row.body


def update_subscription(ctx: Context, subscription_id: str, body: Any, whole: bool) -> dict[str, Any]:
    """PUT (`whole`: every field) or PATCH (the fields named). Setting `status.enabled` true again
    resumes a subscription BILL disabled after failed deliveries."""
    subscription = dict(get_subscription(ctx, subscription_id))
    subscription.update(_fields(body, whole))
    subscription["updatedTime"] = max(ctx.now(), subscription["updatedTime"])
    _refuse_duplicate(ctx, subscription)
    ctx.store.replace(SUBSCRIPTIONS, subscription)
    return subscription


def delete_subscription(ctx: Context, subscription_id: str) -> None:
    """DELETE: the subscription, its key, its events and whatever was still to be delivered."""
    get_subscription(ctx, subscription_id)
    ctx.store.delete(SUBSCRIPTIONS, subscription_id)
    ctx.store.execute(
        "DELETE FROM credentials WHERE kind = ? AND principal = ?", (SECURITY_KEY, subscription_id)
    )
    ctx.store.execute("DELETE FROM records WHERE kind = ? AND parent_id = ?", (EVENTS, subscription_id))
    ctx.store.execute("DELETE FROM webhook_deliveries WHERE subscription_id = ?", (subscription_id,))


def _new_key(ctx: Context, subscription_id: str) -> str:
    key = secrets.token_urlsafe(32)
    ctx.store.add_credential(SECURITY_KEY, subscription_id, key, ctx.scope)
    return key


def new_security_key(ctx: Context, subscription_id: str) -> dict[str, str]:
    """POST /v3/subscriptions/{id}/security_key: a new key; the old one signs nothing from now on."""
    get_subscription(ctx, subscription_id)
    ctx.store.execute(
        "DELETE FROM credentials WHERE kind = ? AND principal = ?", (SECURITY_KEY, subscription_id)
    )
    return {"securityKey": _new_key(ctx, subscription_id)}


def security_key(store: Store, subscription_id: str) -> str | None:
    rows = store.credentials(SECURITY_KEY, subscription_id)
    return rows[0][1] if rows else None


# -- X-Idempotent-Key ------------------------------------------------------------------------------
_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)


def idempotent(ctx: Context, key: str | None, route: str, ttl: float, produce: Callable[[], Any]) -> Any:
    """The two creating calls need `X-Idempotent-Key: <uuid4>` (400 without). A key seen before in this
    organization within `ttl` seconds gets the first successful answer again, unchanged; a failed
    call is not remembered, so its key may be sent again. A key reused for another route is refused."""
    if not isinstance(key, str) or not _UUID4.match(key.strip()):
        raise BillApiError(
            "BDC_1116", "X-Idempotent-Key header: a new UUID4 is required with each create request."
        )
    key = key.strip().lower()
    now = ctx.clock.now()
    rows = ctx.store.execute(
        "SELECT route, answer, created FROM webhook_idempotency WHERE scope = ? AND key = ?", (ctx.scope, key)
    )
    if rows and now - rows[0][2] < ttl:
        if rows[0][0] != route:
            raise BillApiError(
                "BDC_1116", "X-Idempotent-Key was already used for another request; send a new key."
            )
        return orjson.loads(rows[0][1])
    answer = produce()
    ctx.store.execute(
        "INSERT OR REPLACE INTO webhook_idempotency (scope, key, route, answer, created) VALUES (?, ?, ?, ?, ?)",
        (ctx.scope, key, route, orjson.dumps(answer).decode(), now),
    )
    return answer


# -- forward-only lists -----------------------------------------------------------------------------
def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE:
        raise invalid_parameter(f"max must be an integer between 1 and {MAX_PAGE}.")
    return value


def _page(
    store: Store,
    select: str,
    where: str,
    params: list[Any],
    key: str,
    query: Mapping[str, str],
    identity: str,
) -> dict[str, Any]:
    """One page of rows (`select` gives a body and the ascending integer `key`): `results`, and
    `nextPage` while more follow (BILL's webhook lists have no prevPage)."""
    limit = _page_size(query.get("max"))
    fingerprint = f"{zlib.crc32(identity.encode()):08x}"
    if query.get("page"):
        cursor = decode_cursor(query["page"], fingerprint)
        if cursor.backward or len(cursor.keys) != 1 or not isinstance(cursor.keys[0], int):
            raise invalid_parameter("Invalid page token.")
        where, params = f"{where} AND {key} > ?", [*params, cursor.keys[0]]
    rows = store.execute(f"{select} WHERE {where} ORDER BY {key} LIMIT ?", [*params, limit + 1])
    page: dict[str, Any] = {"results": [orjson.loads(body) for body, _ in rows[:limit]]}
    if len(rows) > limit:
        page["nextPage"] = encode_cursor((rows[limit - 1][1],), fingerprint, False)
    return page


def list_subscriptions(ctx: Context, query: Mapping[str, str]) -> dict[str, Any]:
    """GET /v3/subscriptions: the organization's subscriptions in the order they were made."""
    return _page(
        ctx.store,
        "SELECT body, rowid FROM records",
        "kind = ? AND scope = ?",
        [SUBSCRIPTIONS, ctx.scope],
        "rowid",
        query,
        f"subscriptions|{ctx.scope}",
    )


def list_events(ctx: Context, subscription_id: str, query: Mapping[str, str]) -> dict[str, Any]:
    """GET /v3/events/subscription/{id}: its events in the order they were made; `entityId` keeps
    those of one object."""
    get_subscription(ctx, subscription_id)
    entity = query.get("entityId") or None
    where, params = "d.subscription_id = ?", [EVENTS, subscription_id]
    if entity:
        where, params = f"{where} AND d.entity_id = ?", [*params, entity]
    return _page(
        ctx.store,
        "SELECT r.body, d.seq FROM webhook_deliveries d JOIN records r ON r.kind = ? AND r.id = d.event_id",
        where,
        params,
        "d.seq",
        query,
        f"events|{subscription_id}|{entity or ''}",
    )


# -- events -------------------------------------------------------------------------------------------
def _new_event(
    ctx: Context,
    subscription: Mapping[str, Any],
    event_type: str,
    content: Mapping[str, Any],
    entity_id: str | None,
    state: str,
    due: float,
) -> str:
    """An event of a subscription: its payload (metadata, then the object under its key) kept as
    the exact text every delivery sends, and its place in the delivery queue."""
    event_id = ctx.ids.uuid4()
    metadata = {
        "eventId": event_id,
        "subscriptionId": subscription["id"],
        "organizationId": subscription["organizationId"],
        "eventType": event_type,
        "version": VERSION,
    }
    event = {
        "id": event_id,
        "type": event_type,
        "version": VERSION,
        "subscriptionId": subscription["id"],
        "payload": orjson.dumps({"metadata": metadata, **content}).decode(),
        "createdTime": ctx.now(),
        "statusCode": None,
    }
    ctx.store.insert(EVENTS, subscription["organizationId"], event, parent_id=subscription["id"])
    ctx.store.execute(
        "INSERT INTO webhook_deliveries (event_id, subscription_id, entity_id, state, next_attempt)"
        " VALUES (?, ?, ?, ?, ?)",
        (event_id, subscription["id"], entity_id, state, due),
    )
    return event_id


def _coalesced(changes: list[Change]) -> list[Change]:
    """One change per object, in the order the objects first changed: what a caller's one request did
    to it (the state before the first write and after the last)."""
    merged: dict[tuple[str, str], Change] = {}
    for change in changes:
        body = change.after or change.before or {}
        key = (change.kind, str(body.get("id")))
        first = merged.get(key)
        merged[key] = (
            change if first is None else Change(change.kind, change.scope, first.before, change.after)
        )
    return list(merged.values())


def _subscribed(subscription: Mapping[str, Any], event_type: str) -> bool:
    return bool(subscription["status"].get("enabled")) and any(
        e["type"] == event_type for e in subscription["events"]
    )


def record_changes(ctx: Context, changes: list[Change], due: float) -> int:
    """Events for committed changes (see `event_types`), one per enabled subscription of the object's
    organization to that event, due for delivery at `due`. Returns how many were made."""
    made = 0
    with ctx.store.transaction():
        subscriptions: dict[str, list[dict[str, Any]]] = {}
        for change in _coalesced(changes):
            if change.scope not in subscriptions:
                subscriptions[change.scope] = [
                    row.body for row in ctx.store.find(SUBSCRIPTIONS, change.scope)
                ]
            body = change.after or {}
            family = BY_KIND[change.kind]
            shown = body if family.fields is None else {k: body[k] for k in family.fields if k in body}
            for event_type in event_types(change):
                for subscription in subscriptions[change.scope]:
                    if _subscribed(subscription, event_type):
                        _new_event(
                            ctx, subscription, event_type, {family.key: shown}, body.get("id"), PENDING, due
                        )
                        made += 1
    return made


def test_event(ctx: Context, subscription_id: str, body: Any) -> str:
    """POST /v3/subscriptions/{id}/test: `{"eventType", "version", <object key>: {...}}` becomes an
    event of that type whose payload carries the given object(s); sent once (deliveries.send_now)."""
    subscription = get_subscription(ctx, subscription_id)
    body = body_object(body)
    event_type = body.get("eventType")
    if not isinstance(event_type, str) or event_type not in CATALOG:
        raise invalid_body(f"eventType: {event_type!r} is not in the events catalog (GET /v3/events/catalog)")
    if body.get("version", VERSION) != VERSION:
        raise invalid_body(f"version: {event_type} has version {VERSION!r} only")
    content = {k: v for k, v in body.items() if k not in ("eventType", "version")}
    entity_id = next((v.get("id") for v in content.values() if isinstance(v, dict)), None)
    return _new_event(
        ctx, subscription, event_type, content, entity_id if isinstance(entity_id, str) else None, TEST, 0
    )


def event_of(ctx: Context, subscription_id: str, event_id: str) -> str:
    """POST /v3/events/subscription/{id}/event/{eventId} (resend): the event, if it is that subscription's."""
    get_subscription(ctx, subscription_id)
    row = ctx.store.get(EVENTS, event_id)
    if row is None or row.parent_id != subscription_id:
        raise not_found("Event", str(event_id))
    return event_id


def event_view(store: Store, event_id: str) -> dict[str, Any]:
    row = store.get(EVENTS, event_id)
    if row is None:
        raise not_found("Event", event_id)
    return row.body


# -- the delivery queue (the sender's side) --------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    """What one attempt needs: the event, where it goes, the key that signs it, its payload text."""

    event_id: str
    subscription_id: str
    url: str
    key: str
    payload: str
    attempts: int


_DELIVERY = (
    "SELECT d.event_id, d.subscription_id, d.attempts, e.body, s.body, c.secret"
    " FROM webhook_deliveries d"
    " JOIN records e ON e.kind = 'webhook_events' AND e.id = d.event_id"
    " JOIN records s ON s.kind = 'webhook_subscriptions' AND s.id = d.subscription_id"
    " JOIN credentials c ON c.kind = 'webhook_security_key' AND c.principal = d.subscription_id"
)


def _delivery(row: tuple[Any, ...]) -> Delivery:
    event_id, subscription_id, attempts, event, subscription, key = row
    return Delivery(
        event_id,
        subscription_id,
        orjson.loads(subscription)["notificationUrl"],
        key,
        orjson.loads(event)["payload"],
        attempts,
    )


def due_deliveries(store: Store, now: float, limit: int) -> tuple[list[Delivery], float | None]:
    """Queued deliveries of enabled subscriptions due by `now`, oldest first, and when the next one
    after those falls due (None: nothing queued). A disabled subscription's queue waits for it."""
    enabled = "json_extract(s.body, '$.status.enabled') = 1"
    rows = store.execute(
        f"{_DELIVERY} WHERE d.state = ? AND d.next_attempt <= ? AND {enabled} ORDER BY d.next_attempt, d.seq LIMIT ?",
        (PENDING, now, limit),
    )
    later = store.execute(
        "SELECT min(d.next_attempt) FROM webhook_deliveries d"
        " JOIN records s ON s.kind = 'webhook_subscriptions' AND s.id = d.subscription_id"
        f" WHERE d.state = ? AND d.next_attempt > ? AND {enabled}",
        (PENDING, now),
    )
    return [_delivery(row) for row in rows], later[0][0] if later else None


def delivery_of(store: Store, event_id: str) -> Delivery:
    rows = store.execute(f"{_DELIVERY} WHERE d.event_id = ?", (event_id,))
    if not rows:
        raise not_found("Event", event_id)
    return _delivery(rows[0])


def _set_status_code(store: Store, event_id: str, status: int | None) -> None:
    event = dict(event_view(store, event_id))
    event["statusCode"] = status
    store.replace(EVENTS, event)


def attempted(ctx: Context, event_id: str, status: int | None, now: float, delays: tuple[float, ...]) -> str:
    """The outcome of a queued attempt (`status`: the receiver's HTTP status, None without an answer).
    Only 200 delivers. A failed attempt waits `delays[n]` before retry n+1; after the last retry the
    event is dead and its subscription disabled. Returns the delivery's new state."""
    with ctx.store.transaction():
        rows = ctx.store.execute(
            "SELECT subscription_id, attempts, state FROM webhook_deliveries WHERE event_id = ?", (event_id,)
        )
        if not rows:  # the subscription was deleted meanwhile
            return DEAD
        subscription_id, attempts, current = rows[0][0], rows[0][1] + 1, rows[0][2]
        if current != PENDING:  # a resend delivered it while this attempt was under way
            return current
        _set_status_code(ctx.store, event_id, status)
        if status == 200:
            state, due = DELIVERED, now
        elif attempts <= len(delays):
            state, due = PENDING, now + delays[attempts - 1]
        else:
            state, due = DEAD, now
            _disable(ctx, subscription_id)
        ctx.store.execute(
            "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt = ? WHERE event_id = ?",
            (state, attempts, due, event_id),
        )
    return state


def sent_by_hand(store: Store, event_id: str, status: int | None) -> None:
    """The outcome of a test or resend attempt: its status code is the event's; a queued or dead event
    that got 200 is delivered. It counts toward no retry and disables nothing."""
    with store.transaction():
        _set_status_code(store, event_id, status)
        if status == 200:
            store.execute(
                "UPDATE webhook_deliveries SET state = ? WHERE event_id = ? AND state IN (?, ?)",
                (DELIVERED, event_id, PENDING, DEAD),
            )


def _disable(ctx: Context, subscription_id: str) -> None:
    row = ctx.store.get(SUBSCRIPTIONS, subscription_id)
    if row is None:
        return
    subscription = dict(row.body)
    subscription["status"] = {**subscription["status"], "enabled": False}
    subscription["updatedTime"] = max(ctx.now(), subscription["updatedTime"])
    ctx.store.replace(SUBSCRIPTIONS, subscription)
