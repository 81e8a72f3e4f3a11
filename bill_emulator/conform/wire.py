"""What conform may send: GET requests, plus the one sign-in POST; one at a time, counted and capped."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from source_bill.client.errors import parse_error_body

#: Requests conform may send to the BILL under test in one run (the sign-in included).
MAX_REQUESTS = 60
TIMEOUT = (10.0, 60.0)
#: BILL codes that say "not now" (limits, system error): a probe that meets one is skipped, not failed.
TRANSIENT_CODES = frozenset({"BDC_1001", "BDC_1144", "BDC_1148", "BDC_1149", "BDC_1322"})
_NO_JSON = object()


class BudgetSpent(Exception):
    """The run used every request it may send."""


class Unreachable(Exception):
    """No HTTP answer at all (connection refused, DNS, timeout)."""


class Transient(Exception):
    """BILL answered with a limit or a server error: nothing to learn from this answer."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, parsed once."""

    status: int
    headers: Mapping[str, str]
    text: str
    payload: Any = field(default=_NO_JSON)

    @property
    def is_json(self) -> bool:
        return self.payload is not _NO_JSON

    @property
    def json(self) -> Any:
        return self.payload if self.is_json else None

    @property
    def code(self) -> str | None:
        """The first BILL error code of an error answer."""
        return parse_error_body(self.text).code if self.status >= 400 else None

    @property
    def message(self) -> str:
        return parse_error_body(self.text).message if self.status >= 400 else ""

    def summary(self) -> str:
        """`HTTP 400 BDC_1116` (no message: messages may echo what was sent)."""
        code = self.code
        return f"HTTP {self.status}" + (f" {code}" if code else "")


def answer_of(response: requests.Response) -> Answer:
    text = response.text
    try:
        payload = json.loads(text) if text.strip() else _NO_JSON
    except ValueError:
        payload = _NO_JSON
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Answer(response.status_code, headers, text, payload)


class Wire:
    """One side's HTTP client.

    Only `get` and `sign_in` exist, so nothing else can be sent. A lock keeps one request in flight;
    redirects are not followed (they could carry the credential headers to another host).
    """

    def __init__(self, budget: int | None = MAX_REQUESTS, timeout: Any = TIMEOUT) -> None:
        self.budget = budget
        self.count = 0
        self._timeout = timeout
        self._lock = threading.Lock()
        self._http = requests.Session()
        self._http.trust_env = False  # no proxy or .netrc credentials from the environment

    def get(
        self, url: str, params: Iterable[tuple[str, str]] = (), headers: Mapping[str, str] | None = None
    ) -> Answer:
        return self._send("GET", url, params=list(params), headers=dict(headers or {}))

    def sign_in(
        self, url: str, *, json_body: Mapping[str, Any] | None = None, form: Mapping[str, str] | None = None
    ) -> Answer:
        """The sign-in POST (`/v3/login`, `/v3/partner/login` or `/authx/token`): it changes no data."""
        return self._send("POST", url, json=json_body, data=form, headers={"Accept": "application/json"})

    def _send(self, method: str, url: str, **kwargs: Any) -> Answer:
        with self._lock:
            if self.budget is not None and self.count >= self.budget:
                raise BudgetSpent(f"the run's budget of {self.budget} requests is spent")
            self.count += 1
            headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
            try:
                response = self._http.request(
                    method, url, headers=headers, timeout=self._timeout, allow_redirects=False, **kwargs
                )
            except requests.RequestException as error:
                raise Unreachable(type(error).__name__) from None
            return answer_of(response)

    def close(self) -> None:
        self._http.close()
