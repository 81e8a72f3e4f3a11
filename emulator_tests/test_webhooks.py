"""BILL's webhooks in the emulator: the Webhooks folder of BILL's Postman collection replayed, and
signed deliveries to a receiver on 127.0.0.1 (signatures, key rotation, retries with backoff, the
subscription disabled after the last retry, X-Idempotent-Key, loopback only).

The receiver is a stdlib HTTP server in a thread; signatures are checked here with hmac and base64,
not with the emulator's own signing code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from bill_emulator.backends.webhooks import INVOICE_FIELDS
from bill_emulator.cli import parser, settings_from
from bill_emulator.settings import Webhooks
from emulator_tests.contract import CollectionRequest, compare_keys, folder_requests, parse_body, substitute

RETRY_DELAYS = (0.3, 0.6)  # the emulator's backoff in these tests: 3 attempts in about 0.9 s
WEBHOOK_REQUESTS = folder_requests("Webhooks")
_UNRESOLVED = "reference #/components/schemas/"


# -- a receiver on 127.0.0.1 -----------------------------------------------------------------------
@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A notification URL: records every POST and answers `status` (after `delay` seconds)."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body, time.monotonic()))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bill-events"

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
        self.status, self.delay = 200, 0.0

    def wait_for(self, count: int, timeout: float = 10.0, path: str | None = None) -> list[Received]:
        """The first `count` notifications (to `path`, if given), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = [r for r in self.received if path is None or r.path == path]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.02)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def verify(key: str, body: bytes, signature: str) -> bool:
    """What a receiver does with `x-bill-sha-signature`: base64(HMAC-SHA256(body, securityKey))."""
    expected = base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# -- the webhook API, as a client calls it ----------------------------------------------------------
class Api:
    """devKey + sessionId calls to /connect (the data) and /connect-events (the webhook API)."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.connect = server.base_url
        self.events = server.events_base_url
        self.headers = server.login_headers()

    def data(self, method: str, path: str, body: Any = None, status: int | None = None) -> Any:
        response = requests.request(method, self.connect + path, headers=self.headers, json=body, timeout=30)
        assert status is None or response.status_code == status, response.text
        return response.json() if response.content else None

    def call(
        self, method: str, path: str, body: Any = None, *, key: str | None = None, **headers: str
    ) -> requests.Response:
        sent = dict(self.headers, **headers)
        if key is not None:
            sent["X-Idempotent-Key"] = key
        return requests.request(method, self.events + path, headers=sent, json=body, timeout=30)

    def subscribe(
        self, url: str, events: list[str], name: str = "test", enabled: bool = True, key: str | None = None
    ) -> dict[str, Any]:
        body = {
            "name": name,
            "status": {"enabled": enabled},
            "events": [{"type": t, "version": "1"} for t in events],
            "notificationUrl": url,
        }
        response = self.call("POST", "/v3/subscriptions", body, key=key or str(uuid.uuid4()))
        assert response.status_code == 200, response.text
        return response.json()

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/v3/subscriptions/{subscription_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def events_of(self, subscription_id: str, **query: Any) -> list[dict[str, Any]]:
        response = requests.get(
            f"{self.events}/v3/events/subscription/{subscription_id}",
            headers=self.headers,
            params=query,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def new_vendor(self, name: str) -> dict[str, Any]:
        return self.data("POST", "/v3/vendors", {"name": name, "email": "ap@example.com"}, 201)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    settings = EmulatorSettings(scale="tiny", webhooks=Webhooks(retry_delays=RETRY_DELAYS, timeout_seconds=5))
    with running_emulator(settings) as running:
        yield running


@pytest.fixture(scope="module")
def api(server: EmulatorServer) -> Api:
    return Api(server)


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def receiver(module_receiver: Receiver, api: Api) -> Iterator[Receiver]:
    """The receiver, emptied; every subscription is deleted after the test (an organization may
    have 10)."""
    module_receiver.reset()
    yield module_receiver
    module_receiver.reset()
    for subscription in api.call("GET", "/v3/subscriptions", max="100").json().get("results", []):
        api.call("DELETE", f"/v3/subscriptions/{subscription['id']}")


# -- the Webhooks folder of BILL's collection ---------------------------------------------------------
def _known_keys(example: Any) -> Any:
    """The example without the collection's unresolved schema references (`{"value": "reference
    #/components/schemas/... not found"}`): those objects say nothing about their keys."""
    if isinstance(example, dict):
        if any(isinstance(v, str) and v.startswith(_UNRESOLVED) for v in example.values()):
            return {}
        return {k: _known_keys(v) for k, v in example.items()}
    if isinstance(example, list):
        return [_known_keys(v) for v in example]
    return example


def _slug(name: str) -> str:
    return re.sub(r"\W+", "-", name.lower())


def _url(request: CollectionRequest, values: dict[str, str]) -> str:
    segments = [
        substitute(request.path_variable(s[1:]), values) if s.startswith(":") else s for s in request.segments
    ]
    return substitute(request.host, values) + "/" + "/".join(segments)


def test_the_collection_has_a_webhooks_folder_served_under_the_webhook_base_url() -> None:
    names = {r.name for r in WEBHOOK_REQUESTS}
    assert {"Get events catalog", "Create a subscription", "Create a security key"} <= names
    assert len(WEBHOOK_REQUESTS) == 11
    assert {r.host for r in WEBHOOK_REQUESTS} == {"{{webhookBaseUrl}}"}


@pytest.mark.parametrize("entry", WEBHOOK_REQUESTS, ids=[r.name for r in WEBHOOK_REQUESTS])
def test_webhooks_folder_request_replays_like_bill(
    api: Api, receiver: Receiver, entry: CollectionRequest
) -> None:
    """Each request, its variables filled, answers the example's status with the example's keys."""
    shared = api.subscribe(f"{receiver.url}/shared", ["vendor.created"], name="contract")
    sent = api.call(
        "POST", f"/v3/subscriptions/{shared['id']}/test", {"eventType": "vendor.created", "version": "1"}
    )
    assert sent.status_code == 200, sent.text
    own = entry.method == "DELETE"  # a delete gets a subscription of its own
    target = api.subscribe(f"{receiver.url}/own", ["bill.created"], name="to delete") if own else shared
    bill = api.data("GET", "/v3/bills?max=1")["results"][0]
    values = {
        "webhookBaseUrl": api.events,
        "session_id": api.headers["sessionId"],
        "developer_key": api.headers["devKey"],
        "webhook_subscription_id": target["id"],
        "webhook_event_id": sent.json()["id"],
        "webhook_bill_id": bill["id"],
        "webhook_idempotency_key": str(uuid.uuid4()),
        "webhook_notification_url": f"{receiver.url}/{_slug(entry.name)}",
    }
    assert set(entry.variables()) <= set(values), entry.variables()
    body = None
    if entry.body_mode == "raw" and entry.raw_body.strip():
        body = json.dumps(parse_body(substitute(entry.raw_body, values, json_string=True)))
    response = requests.request(
        entry.method,
        _url(entry, values),
        params=[(k, substitute(v, values)) for k, v in entry.query],
        headers={k: substitute(v, values) for k, v in entry.headers},
        data=body,
        timeout=30,
    )
    example = entry.example
    assert example is not None
    assert response.status_code == example.status, response.text
    if example.is_json:
        missing, _ = compare_keys(_known_keys(example.body), response.json())
        assert missing == [], f"{entry.name}: missing {missing}"


# -- deliveries --------------------------------------------------------------------------------------
def test_a_subscription_receives_signed_events_for_a_create_and_an_update(
    api: Api, receiver: Receiver
) -> None:
    subscription = api.subscribe(receiver.url, ["vendor.created", "vendor.updated"])
    key = subscription["securityKey"]
    vendor = api.new_vendor("Webhook Supplies")
    updated = api.data("PATCH", f"/v3/vendors/{vendor['id']}", {"email": "billing@example.com"}, 200)

    created_note, updated_note = receiver.wait_for(2)
    for note in (created_note, updated_note):
        assert note.path == "/bill-events"
        assert note.headers["content-type"] == "application/json"
        assert verify(key, note.body, note.headers["x-bill-sha-signature"])
    first, second = created_note.json(), updated_note.json()
    assert first["metadata"]["eventType"] == "vendor.created"
    assert second["metadata"]["eventType"] == "vendor.updated"
    for payload in (first, second):
        assert payload["metadata"]["subscriptionId"] == subscription["id"]
        assert payload["metadata"]["organizationId"] == subscription["organizationId"]
        assert payload["metadata"]["version"] == "1"
    assert first["vendor"] == vendor, "the created vendor as the API answered it"
    assert second["vendor"] == updated and second["vendor"]["email"] == "billing@example.com"
    assert first["metadata"]["eventId"] != second["metadata"]["eventId"]

    # A body changed on the way (one byte) or signed with another key does not verify.
    tampered = created_note.body.replace(b"Webhook Supplies", b"Webhook Supplier")
    assert tampered != created_note.body
    assert not verify(key, tampered, created_note.headers["x-bill-sha-signature"])
    assert not verify("another-key", created_note.body, created_note.headers["x-bill-sha-signature"])

    # The event log has them too, each with the receiver's status code and the payload sent.
    def both_delivered() -> list[dict[str, Any]] | None:
        # The receiver may hold the second notification a moment before the log records its answer.
        delivered = [e for e in api.events_of(subscription["id"]) if e["statusCode"] == 200]
        return delivered if len(delivered) >= 2 else None

    logged = eventually(both_delivered)
    assert [e["type"] for e in logged] == ["vendor.created", "vendor.updated"]
    assert [e["payload"].encode() for e in logged] == [created_note.body, updated_note.body]
    assert [e["id"] for e in logged] == [first["metadata"]["eventId"], second["metadata"]["eventId"]]


def test_only_subscribed_events_of_the_own_organization_are_sent(api: Api, receiver: Receiver) -> None:
    api.subscribe(receiver.url, ["vendor.updated"])
    vendor = api.new_vendor("Not Announced")  # vendor.created: not subscribed
    api.data("POST", f"/v3/vendors/{vendor['id']}/archive", None, 200)  # vendor.archived: not subscribed
    api.data("POST", f"/v3/vendors/{vendor['id']}/restore", None, 200)  # vendor.restored: not subscribed
    api.data("PATCH", f"/v3/vendors/{vendor['id']}", {"email": "x@example.com"}, 200)
    (note,) = receiver.wait_for(1)
    time.sleep(0.5)
    assert len(receiver.received) == 1
    assert note.json()["metadata"]["eventType"] == "vendor.updated"


def test_archive_and_restore_are_their_own_events(api: Api, receiver: Receiver) -> None:
    api.subscribe(receiver.url, ["vendor.archived", "vendor.restored", "vendor.updated"])
    vendor = api.new_vendor("Seasonal Vendor")
    api.data("POST", f"/v3/vendors/{vendor['id']}/archive", None, 200)
    api.data("POST", f"/v3/vendors/{vendor['id']}/restore", None, 200)
    notes = receiver.wait_for(2)
    assert [n.json()["metadata"]["eventType"] for n in notes] == ["vendor.archived", "vendor.restored"]
    assert [n.json()["vendor"]["archived"] for n in notes] == [True, False]


def test_an_invoice_created_and_paid_makes_invoice_events_and_the_payment_none(
    api: Api, receiver: Receiver
) -> None:
    """BILL has no received-payment events: recording a payment shows as invoice.updated only."""
    api.subscribe(receiver.url, ["invoice.created", "invoice.updated"])
    customer = api.data("GET", "/v3/customers?max=1&filters=archived:eq:false")["results"][0]
    today = date.today()
    invoice = api.data(
        "POST",
        "/v3/invoices",
        {
            "customer": {"id": customer["id"]},
            "invoiceNumber": f"WH-{uuid.uuid4().hex[:8]}",
            "invoiceDate": today.isoformat(),
            "dueDate": (today + timedelta(days=30)).isoformat(),
            "invoiceLineItems": [{"quantity": 1, "description": "Consulting", "price": 250.0}],
            "processingOptions": {"sendEmail": False},
        },
        201,
    )
    payment = api.data(
        "POST",
        "/v3/invoices/record-payment",
        {
            "customerId": customer["id"],
            "amount": 250.0,
            "paymentDate": today.isoformat(),
            "paymentType": "CHECK",
            "invoices": [{"id": invoice["id"], "amount": 250.0}],
        },
    )
    created, paid = receiver.wait_for(2)
    time.sleep(0.3)
    assert len(receiver.received) == 2
    assert created.json()["metadata"]["eventType"] == "invoice.created"
    assert created.json()["invoice"]["id"] == invoice["id"]
    assert paid.json()["metadata"]["eventType"] == "invoice.updated"
    assert paid.json()["invoice"]["status"] == "PAID_IN_FULL" and paid.json()["invoice"]["dueAmount"] == 0
    # An invoice payload has the fields of BILL's samples: no line items, no payments (no 0rp id).
    assert set(paid.json()["invoice"]) <= set(INVOICE_FIELDS)
    assert payment["id"] not in created.body.decode() + paid.body.decode()


def test_an_api_call_answers_before_its_notification_is_sent(api: Api, receiver: Receiver) -> None:
    receiver.delay = 1.5  # a slow receiver
    api.subscribe(receiver.url, ["vendor.created"])
    started = time.monotonic()
    api.new_vendor("Quick Answer")
    assert time.monotonic() - started < 1.0
    (note,) = receiver.wait_for(1)
    assert note.json()["metadata"]["eventType"] == "vendor.created"


def test_security_key_rotation_signs_later_notifications_with_the_new_key(
    api: Api, receiver: Receiver
) -> None:
    subscription = api.subscribe(receiver.url, ["vendor.created"])
    old_key = subscription["securityKey"]
    assert "securityKey" not in api.subscription(subscription["id"]), "the key is shown once"
    api.new_vendor("Before Rotation")
    (before,) = receiver.wait_for(1)

    rotated = api.call("POST", f"/v3/subscriptions/{subscription['id']}/security_key", key=str(uuid.uuid4()))
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["securityKey"]
    assert new_key and new_key != old_key
    api.new_vendor("After Rotation")
    _, after = receiver.wait_for(2)

    assert verify(old_key, before.body, before.headers["x-bill-sha-signature"])
    assert verify(new_key, after.body, after.headers["x-bill-sha-signature"])
    assert not verify(old_key, after.body, after.headers["x-bill-sha-signature"])
    # The docs' spelling of the route rotates it too; a key needs its X-Idempotent-Key.
    again = api.call("POST", f"/v3/subscriptions/{subscription['id']}/security-key", key=str(uuid.uuid4()))
    assert again.status_code == 200 and again.json()["securityKey"] not in (old_key, new_key)
    assert api.call("POST", f"/v3/subscriptions/{subscription['id']}/security_key").status_code == 400


def test_a_failing_receiver_is_retried_with_backoff_then_the_subscription_is_disabled(
    api: Api, receiver: Receiver
) -> None:
    receiver.status = 500
    subscription = api.subscribe(receiver.url, ["vendor.created"])
    api.new_vendor("Never Acknowledged")
    attempts = receiver.wait_for(1 + len(RETRY_DELAYS))
    assert len(attempts) == 3, "the first attempt and one retry per delay"
    gaps = [b.at - a.at for a, b in itertools.pairwise(attempts)]
    assert gaps[0] >= RETRY_DELAYS[0] * 0.9 and gaps[1] >= RETRY_DELAYS[1] * 0.9, gaps
    assert gaps[1] > gaps[0], "exponential: each wait longer than the one before"
    # A retried delivery is the same event: same eventId, same bytes, same signature.
    assert len({a.body for a in attempts}) == 1
    assert len({a.headers["x-bill-sha-signature"] for a in attempts}) == 1
    assert verify(subscription["securityKey"], attempts[0].body, attempts[0].headers["x-bill-sha-signature"])

    disabled = eventually(lambda: api.subscription(subscription["id"])["status"]["enabled"] is False)
    assert disabled, api.subscription(subscription["id"])
    (event,) = api.events_of(subscription["id"])
    assert event["statusCode"] == 500 and event["id"] == attempts[0].json()["metadata"]["eventId"]

    # Disabled: nothing more is sent or logged, until the subscription is enabled again.
    receiver.status = 200
    api.new_vendor("While Disabled")
    time.sleep(1.0)
    assert len(receiver.received) == 3
    assert len(api.events_of(subscription["id"])) == 1
    enabled = api.call("PATCH", f"/v3/subscriptions/{subscription['id']}", {"status": {"enabled": True}})
    assert enabled.status_code == 200 and enabled.json()["status"]["enabled"] is True
    api.new_vendor("Enabled Again")
    notes = receiver.wait_for(4)
    assert notes[-1].json()["vendor"]["name"] == "Enabled Again"


def test_a_receiver_that_recovers_gets_the_retry(api: Api, receiver: Receiver) -> None:
    receiver.status = 503
    subscription = api.subscribe(receiver.url, ["vendor.created"])
    api.new_vendor("Second Time Lucky")
    receiver.wait_for(1)
    receiver.status = 200
    first, retry = receiver.wait_for(2)
    assert first.body == retry.body
    logged = eventually(lambda: api.events_of(subscription["id"])[0]["statusCode"] == 200)
    assert logged
    time.sleep(RETRY_DELAYS[1] + 0.3)
    assert len(receiver.received) == 2, "a delivered event is not sent again"
    assert api.subscription(subscription["id"])["status"]["enabled"] is True


def test_test_and_resend_answer_with_the_receivers_status(api: Api, receiver: Receiver) -> None:
    subscription = api.subscribe(receiver.url, ["bill.created"])
    test_body = {"eventType": "bill.created", "version": "1", "bill": {"id": "test-bill-id", "amount": 100}}
    sent = api.call("POST", f"/v3/subscriptions/{subscription['id']}/test", test_body)
    assert sent.status_code == 200, sent.text
    event = sent.json()
    assert event["statusCode"] == 200 and event["type"] == "bill.created"
    (note,) = receiver.wait_for(1)
    assert note.body == event["payload"].encode()
    assert note.json()["bill"] == test_body["bill"]
    assert verify(subscription["securityKey"], note.body, note.headers["x-bill-sha-signature"])

    receiver.status = 404
    resent = api.call("POST", f"/v3/events/subscription/{subscription['id']}/event/{event['id']}")
    assert resent.status_code == 200 and resent.json()["statusCode"] == 404
    assert resent.json()["id"] == event["id"]
    _, again = receiver.wait_for(2)
    assert again.body == note.body, "a resend is the same event"
    time.sleep(RETRY_DELAYS[0] + 0.3)
    assert len(receiver.received) == 2, "a test or resend is sent once"
    assert api.subscription(subscription["id"])["status"]["enabled"] is True


def test_events_list_by_entity_and_in_pages(api: Api, receiver: Receiver) -> None:
    subscription = api.subscribe(receiver.url, ["vendor.created", "vendor.updated"])
    first = api.new_vendor("Listed One")
    api.new_vendor("Listed Two")
    api.data("PATCH", f"/v3/vendors/{first['id']}", {"email": "one@example.com"}, 200)
    receiver.wait_for(3)
    assert len(api.events_of(subscription["id"])) == 3
    mine = api.events_of(subscription["id"], entityId=first["id"])
    assert [e["type"] for e in mine] == ["vendor.created", "vendor.updated"]
    page = api.call("GET", f"/v3/events/subscription/{subscription['id']}?max=2").json()
    assert len(page["results"]) == 2 and "prevPage" not in page
    rest = api.call(
        "GET", f"/v3/events/subscription/{subscription['id']}?max=2&page={page['nextPage']}"
    ).json()
    assert len(rest["results"]) == 1 and "nextPage" not in rest
    bad = api.call("GET", f"/v3/events/subscription/{subscription['id']}?max=101")
    assert bad.status_code == 400


# -- subscriptions -----------------------------------------------------------------------------------
def test_the_same_idempotent_key_answers_the_same_subscription(api: Api, receiver: Receiver) -> None:
    key = str(uuid.uuid4())
    first = api.subscribe(receiver.url, ["bill.created"], key=key)
    again = api.subscribe(receiver.url, ["bill.created"], key=key)
    assert again == first, "the first answer, securityKey included"
    listed = api.call("GET", "/v3/subscriptions").json()["results"]
    assert [s["id"] for s in listed] == [first["id"]]
    # Without a key, or with one that is not a UUID4: 400; a new key is a new request (a duplicate here).
    body = {"name": "x", "status": {"enabled": True}, "events": [{"type": "bill.updated", "version": "1"}]}
    body["notificationUrl"] = receiver.url
    assert api.call("POST", "/v3/subscriptions", body).status_code == 400
    assert api.call("POST", "/v3/subscriptions", body, key="not-a-uuid").status_code == 400
    assert api.call("POST", "/v3/subscriptions", body, key=str(uuid.uuid1())).status_code == 400
    # A key is one request's: reused on another route it is refused.
    reused = api.call("POST", f"/v3/subscriptions/{first['id']}/security_key", key=key)
    assert reused.status_code == 400, reused.text
    # A failed request is not remembered: its key may be sent again once the request is right.
    failed_key = str(uuid.uuid4())
    wrong = dict(body, notificationUrl="https://example.com/hook")
    assert api.call("POST", "/v3/subscriptions", wrong, key=failed_key).status_code == 400
    assert api.call("POST", "/v3/subscriptions", body, key=failed_key).status_code == 200


def test_notifications_only_go_to_loopback_urls(api: Api, receiver: Receiver) -> None:
    for url in (
        "https://example.com/hooks",
        "http://10.0.0.1:8080/hooks",
        "http://169.254.169.254/latest",
        "http://127.0.0.1.example.com/hooks",
        "ftp://127.0.0.1/hooks",
        "http://127.0.0.1:99999/hooks",
    ):
        body = {
            "name": "x",
            "status": {"enabled": True},
            "events": [{"type": "bill.created", "version": "1"}],
        }
        answer = api.call("POST", "/v3/subscriptions", dict(body, notificationUrl=url), key=str(uuid.uuid4()))
        assert answer.status_code == 400, (url, answer.text)
        assert answer.json()[0]["message"].startswith("notificationUrl"), answer.text
    subscription = api.subscribe(receiver.url, ["bill.created"])
    moved = api.call(
        "PATCH", f"/v3/subscriptions/{subscription['id']}", {"notificationUrl": "https://example.com/x"}
    )
    assert moved.status_code == 400 and "this machine" in moved.json()[0]["message"]
    for url in ("http://localhost:1/x", "http://[::1]:1/x", "https://127.0.0.2/x"):
        api.subscribe(url, ["bill.created"])


def test_subscription_rules_limit_duplicates_and_validation(api: Api, receiver: Receiver) -> None:
    subscription = api.subscribe(receiver.url, ["bill.created", "bill.updated"])
    duplicate = api.call(
        "POST",
        "/v3/subscriptions",
        {
            "name": "again",
            "status": {"enabled": True},
            "events": [{"type": "bill.updated", "version": "1"}, {"type": "bill.created", "version": "1"}],
            "notificationUrl": receiver.url,
        },
        key=str(uuid.uuid4()),
    )
    assert duplicate.status_code == 422, duplicate.text
    for i in range(9):
        api.subscribe(f"{receiver.url}/{i}", ["bill.created"])
    eleventh = api.call(
        "POST",
        "/v3/subscriptions",
        {
            "name": "one too many",
            "status": {"enabled": True},
            "events": [{"type": "bill.created", "version": "1"}],
            "notificationUrl": f"{receiver.url}/11",
        },
        key=str(uuid.uuid4()),
    )
    assert eleventh.status_code == 422 and "10" in eleventh.json()[0]["message"]
    for bad in (
        {"events": [{"type": "customer.created", "version": "1"}]},
        {"events": [{"type": "bill.created", "version": "2"}]},
        {"events": []},
        {"status": {"enabled": "yes"}},
        {"name": ""},
    ):
        answer = api.call("PATCH", f"/v3/subscriptions/{subscription['id']}", bad)
        assert answer.status_code == 400, (bad, answer.text)
    replaced = api.call("PUT", f"/v3/subscriptions/{subscription['id']}", {"name": "only a name"})
    assert replaced.status_code == 400, "PUT replaces every field"
    renamed = api.call("PATCH", f"/v3/subscriptions/{subscription['id']}", {"name": "Bills"})
    assert renamed.status_code == 200 and renamed.json()["events"] == subscription["events"]
    assert api.call("DELETE", f"/v3/subscriptions/{subscription['id']}").status_code == 200
    assert api.call("GET", f"/v3/subscriptions/{subscription['id']}").status_code == 404
    assert api.call("GET", f"/v3/events/subscription/{subscription['id']}").status_code == 404


def test_webhook_api_auth_and_where_it_is_served(
    api: Api, server: EmulatorServer, receiver: Receiver
) -> None:
    catalog = requests.get(f"{api.events}/v3/events/catalog", headers=api.headers, timeout=30)
    assert catalog.status_code == 200
    types = {entry["type"] for entry in catalog.json()}
    assert {"vendor.created", "bill.archived", "invoice.restored", "payment.updated"} <= types
    assert all(entry["versions"] == ["1"] for entry in catalog.json())
    for headers, status in (
        ({}, 400),
        ({"devKey": api.headers["devKey"]}, 400),
        ({"sessionId": api.headers["sessionId"]}, 400),
        ({"devKey": api.headers["devKey"], "sessionId": "not-a-session"}, 401),
        ({"devKey": "not-a-key", "sessionId": api.headers["sessionId"]}, 401),
        (server.bearer_headers(), 400),  # OAuth tokens are not for webhooks
    ):
        answer = requests.get(f"{api.events}/v3/events/catalog", headers=headers, timeout=30)
        assert answer.status_code == status, (headers, answer.text)
        assert answer.json()[0]["code"].startswith("BDC_")
    # The webhook API is served under /connect-events only; the v3 API under /connect only.
    assert requests.get(f"{api.connect}/v3/subscriptions", headers=api.headers, timeout=30).status_code == 404
    assert requests.get(f"{api.events}/v3/vendors", headers=api.headers, timeout=30).status_code == 404


def test_the_retry_schedule_is_a_setting_and_a_serve_option() -> None:
    assert Webhooks().retry_delays == (2.0, 4.0, 8.0, 16.0), "BILL's documented backoff"
    assert Webhooks().timeout_seconds == 10.0 and Webhooks().max_subscriptions == 10
    args = parser().parse_args(["serve", "--webhook-retry-delays", "0.1,0.2,0.4"])
    assert settings_from(args).webhooks.retry_delays == (0.1, 0.2, 0.4)
    assert settings_from(parser().parse_args(["serve"])).webhooks.retry_delays == (2.0, 4.0, 8.0, 16.0)
    with pytest.raises(SystemExit):
        parser().parse_args(["serve", "--webhook-retry-delays", "soon"])
