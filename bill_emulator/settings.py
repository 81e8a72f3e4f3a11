"""Everything that configures one emulator: data, limits, latency, faults and deviations."""

from __future__ import annotations

from dataclasses import dataclass, field

SCALES: dict[str, int] = {"tiny": 40, "small": 300, "medium": 10_000, "large": 100_000}


def invoices_for_scale(scale: str | int) -> int:
    """Number of invoices for a named scale or an explicit count."""
    if isinstance(scale, int):
        return scale
    if scale.isdigit():
        return int(scale)
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(
            f"unknown scale {scale!r}: use {', '.join(SCALES)} or a number of invoices"
        ) from None


@dataclass
class Limits:
    """BILL's documented limits, on by default; each can be changed or switched off (None)."""

    concurrent_per_org: int | None = 3
    requests_per_hour: int | None = 20_000
    logins_per_hour: int | None = 200
    spend_per_minute: int | None = 60
    # Scale the hour and the minute down so tests need not wait (1.0 = real time).
    window_scale: float = 1.0
    # BILL does not document the status of limit errors: 429 by default, 422 seen in one client.
    limit_status: int = 429


@dataclass
class Faults:
    """Test knobs, all off by default. Rates are probabilities per request."""

    error_rate: float = 0.0  # 500 BDC_1001
    reset_rate: float = 0.0  # connection dropped without a response
    slow_rate: float = 0.0  # answer after `slow_seconds`
    slow_seconds: float = 65.0
    truncated_rate: float = 0.0  # 200 with a cut-off JSON body
    non_json_rate: float = 0.0  # 200 with a body that is not JSON
    html_rate: float = 0.0  # 502 gateway HTML page
    throttle_rate: float = 0.0  # BDC_1322 burst although the limit was not reached
    expire_session_every: int = 0  # kill the caller's session every N authenticated requests

    def any(self) -> bool:
        return any(
            (
                self.error_rate,
                self.reset_rate,
                self.slow_rate,
                self.truncated_rate,
                self.non_json_rate,
                self.html_rate,
                self.throttle_rate,
                self.expire_session_every,
            )
        )


@dataclass
class Deviations:
    """Ways a real BILL may answer lists otherwise than its documents say, all off by default.

    Each knob imitates one such BILL and changes nothing else, on every list the shared list engine
    serves (AP/AR, partner and Spend & Expense); see "Deviation knobs" in docs/emulator.md.
    """

    ignore_sort: bool = False  # `sort` validated but not applied: rows in id order
    sort_seconds: bool = False  # date-time sort keys compared at whole seconds, ties in id order
    max_cap: int = 0  # a page holds at most this many rows whatever `max` asks (0 = off)
    filter_seconds: bool = False  # date-time filter bounds lose their milliseconds
    trailing_next_page: bool = False  # the last page has a nextPage, which leads to an endless empty page
    update_during_walk: int = 0  # rows of the list updated after each page with more rows (0 = off)

    def any(self) -> bool:
        return any(
            (
                self.ignore_sort,
                self.sort_seconds,
                self.max_cap,
                self.filter_seconds,
                self.trailing_next_page,
                self.update_during_walk,
            )
        )


@dataclass
class Webhooks:
    """BILL's event notifications (webhooks): how deliveries are retried and what a subscription may be.

    Deliveries run in a background thread on the real clock (a fake clock does not hold them back).
    Tests shorten `retry_delays` (e.g. `(0.05, 0.1)`) so a failing receiver is given up on quickly.
    """

    # The waits before each retry of a delivery that did not get HTTP 200: BILL documents exponential
    # backoff of 2, 4, 8 and 16 seconds. When the last retry fails too, the event is dead (BILL: its
    # dead-letter queue) and the subscription is disabled (`status.enabled` false).
    retry_delays: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0)
    timeout_seconds: float = 10.0  # BILL: no HTTP 200 within 10 seconds is a failed delivery
    max_subscriptions: int = 10  # per organization (BILL changelog 2026-04-30)
    idempotency_seconds: float = 24 * 3600  # how long an X-Idempotent-Key's answer is replayed (24 h)
    # BILL says the payload is "JSON-escaped and presented as a string". Off (the default), the body
    # is the payload's JSON object; on, it is that JSON as one JSON string (see docs/emulator.md).
    string_body: bool = False


@dataclass
class EmulatorSettings:
    seed: int = 7
    scale: str | int = "small"
    db_path: str | None = None  # None = in memory
    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    session_idle_seconds: float = 35 * 60
    sync_token_session_seconds: float = 48 * 3600
    # Lifetime of an OAuth access token from POST /authx/token (client credentials); BILL calls it
    # short-lived without a figure, 3600 s is the common choice of OAuth servers.
    oauth_token_seconds: float = 3600
    # The organizations the main user (the ready-made AP/AR config's login) signs in to, each with its
    # own data: the main one and N-1 client organizations of an accounting firm's Accountant Console,
    # which the user reaches too. The partner manages these N and one more, without API access.
    organizations: int = 2
    # Invoices in each organization but the main one (`scale` sizes the main one); other streams follow.
    org_scale: str | int = 40
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    deviations: Deviations = field(default_factory=Deviations)
    webhooks: Webhooks = field(default_factory=Webhooks)
    fake_clock: bool = False

    @property
    def invoice_count(self) -> int:
        return invoices_for_scale(self.scale)

    @property
    def org_invoice_count(self) -> int:
        """Invoices in each organization other than the main one."""
        return invoices_for_scale(self.org_scale)

    @property
    def user_organizations(self) -> int:
        """How many organizations the main user signs in to (`organizations`, at least 1)."""
        if isinstance(self.organizations, bool) or not isinstance(self.organizations, int):
            raise ValueError(f"organizations must be a whole number, got {self.organizations!r}")
        if self.organizations < 1:
            raise ValueError(f"organizations must be at least 1, got {self.organizations}")
        return self.organizations
