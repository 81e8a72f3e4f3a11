"""Webhook deliveries: committed changes become events, and a background thread POSTs them to the
subscriptions' notification URLs, signed, with BILL's retries.

Every notification is an HTTP POST of the event's payload (`Content-Type: application/json`) with the
header `x-bill-sha-signature`: the HMAC-SHA256 of the exact body bytes, keyed with the subscription's
security key (its UTF-8 bytes), base64-encoded. Only HTTP 200 within `timeout_seconds` counts as
delivered. A failed delivery is retried after each of `Webhooks.retry_delays`; when the last retry
fails the event is dead and the subscription disabled (backends/webhooks.attempted). A retry sends the
same event (same eventId, same body) signed with the subscription's key at that moment.

The sender never leaves the machine: a URL whose host is not loopback, or a name that resolves to any
address that is not, is not contacted (the subscription could not have been made with it anyway), no
proxy is used and no redirect followed.

Deliveries run on the real clock, in their own thread: the API call whose write made an event has
answered before its notification goes out. Test and resend notifications are sent while their API
call waits (it answers with the receiver's status code), in a worker thread (`Reply.then`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson

from bill_emulator.backends import webhooks
from bill_emulator.backends.context import Context
from bill_emulator.settings import Webhooks
from bill_emulator.store import Change, Store

log = logging.getLogger("bill_emulator")

SIGNATURE_HEADER = "x-bill-sha-signature"
IDLE_SECONDS = 1.0  # how often an idle sender looks at its queue without being woken
BATCH = 50  # deliveries taken from the queue at a time
_MAX_ANSWER = 1 << 20  # read at most this much of a receiver's answer


def sign(key: str, body: bytes) -> str:
    """BILL's signature of a notification body: base64(HMAC-SHA256(body, securityKey))."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def body_bytes(payload: str, as_string: bool) -> bytes:
    """What a notification's HTTP body is: the payload JSON, or (`Webhooks.string_body`) that JSON as
    one JSON string."""
    return orjson.dumps(payload) if as_string else payload.encode("utf-8")


def _stays_here(host: str, port: int) -> bool:
    """Every address `host` stands for is a loopback address."""
    if not webhooks.is_loopback(host):
        return False
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(webhooks.is_loopback(str(info[4][0]).split("%")[0]) for info in infos)


def send(url: str, body: bytes, key: str, timeout: float) -> int | None:
    """POST one signed notification; the receiver's HTTP status, or None when none came back (refused,
    unreachable, not loopback, too slow)."""
    host = webhooks.url_host(url)
    if host is None:
        return None
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    if not _stays_here(host, port):
        log.warning("webhook notification to %s not sent: not a loopback URL", url)
        return None
    connection_type = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    connection = connection_type(host, port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(key, body)}
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(_MAX_ANSWER)
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def send_now(store: Store, event_id: str, settings: Webhooks) -> dict[str, Any]:
    """A test or resend notification: one attempt now; the event with the receiver's status code."""
    delivery = webhooks.delivery_of(store, event_id)
    status = send(
        delivery.url,
        body_bytes(delivery.payload, settings.string_body),
        delivery.key,
        settings.timeout_seconds,
    )
    webhooks.sent_by_hand(store, event_id, status)
    return webhooks.event_view(store, event_id)


class Deliveries:
    """One emulator's webhook sender. Idle (no thread, no watching of the families) until the store
    holds a subscription; then every committed change of a catalog family is turned into events
    (on the writer's thread, after its commit) and a daemon thread delivers the queue."""

    def __init__(self, store: Store, context: Callable[[], Context], settings: Webhooks) -> None:
        self._store = store
        self._context = context
        self._settings = settings
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        webhooks.install(store)
        store.watch({webhooks.SUBSCRIPTIONS}, self._subscriptions_changed)
        if store.count(webhooks.SUBSCRIPTIONS):
            self._start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._store.watch(webhooks.WATCHED_KINDS, self._objects_changed)
            self._thread = threading.Thread(target=self._run, name="bill-emulator-webhooks", daemon=True)
            self._thread.start()

    def _subscriptions_changed(self, changes: list[Change]) -> None:
        self._start()
        self._wake.set()  # an enabled subscription may have deliveries waiting

    def _objects_changed(self, changes: list[Change]) -> None:
        if webhooks.record_changes(self._context(), changes, time.time()):
            self._wake.set()

    def close(self) -> None:
        """Stop sending (what is still queued stays queued in the database)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._settings.timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self._deliver_due()
            except sqlite3.ProgrammingError:  # the store was closed under us
                return
            except Exception:
                log.exception("webhook deliveries failed")
                wait = IDLE_SECONDS
            if wait > 0:
                self._wake.wait(wait)

    def _deliver_due(self) -> float:
        """Send what is due; how long to sleep before looking again."""
        settings = self._settings
        now = time.time()
        due, later = webhooks.due_deliveries(self._store, now, BATCH)
        for delivery in due:
            if self._stopping.is_set():
                return 0
            body = body_bytes(delivery.payload, settings.string_body)
            status = send(delivery.url, body, delivery.key, settings.timeout_seconds)
            webhooks.attempted(self._context(), delivery.event_id, status, time.time(), settings.retry_delays)
        if due:
            return 0
        return IDLE_SECONDS if later is None else max(0.0, min(IDLE_SECONDS, later - now))
