"""One side of a comparison (the BILL under test, or the reference emulator): its wire, its sign-in,
and the answers probes already got, so a request two probes need is sent once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bill_emulator.conform.lists import SUBJECT_CANDIDATES, ListSpec, spec, streams
from bill_emulator.conform.signin import Auth
from bill_emulator.conform.target import Target
from bill_emulator.conform.wire import TRANSIENT_CODES, Answer, Transient, Wire
from source_bill.client.urls import endpoint_url

_CURSOR_PARAMS = frozenset({"page", "nextPage", "prevPage"})


class Skip(Exception):
    """This side has nothing the probe can observe (no data, the budget spent...): why."""


class Refused(Exception):
    """A request the probe needed answered with an error: itself an observation."""

    def __init__(self, request: str, answer: Answer) -> None:
        self.request = request
        self.answer = answer
        super().__init__(f"{request}: {answer.summary()}")


def describe(path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """`GET /invoices?max=1&page=<token>`: page tokens are not shown."""
    shown = [f"{name}={'<token>' if name in _CURSOR_PARAMS else value}" for name, value in params]
    return f"GET {path}" + ("?" + "&".join(shown) if shown else "")


@dataclass(frozen=True)
class Page:
    """A list answer: BILL's envelope `{results, nextPage, prevPage}`."""

    answer: Answer
    rows: list[dict[str, Any]]

    @property
    def body(self) -> dict[str, Any]:
        return self.answer.json

    @property
    def keys(self) -> list[str]:
        return sorted(self.body)

    def token(self, key: str) -> str | None:
        value = self.body.get(key)
        return value if isinstance(value, str) and value else None

    def marker(self, key: str) -> str:
        """How the page carries `nextPage` / `prevPage`: omitted, null, empty, or a token."""
        if key not in self.body:
            return "omitted"
        value = self.body[key]
        if value is None:
            return "null"
        if value == "":
            return "empty string"
        return "a token" if isinstance(value, str) else f"a {type(value).__name__}"

    @property
    def ids(self) -> list[Any]:
        return [row.get("id") for row in self.rows]


class Side:
    """A BILL to probe, signed in. `name` is "bill" or "emulator"."""

    def __init__(self, name: str, target: Target, wire: Wire, auth: Auth, subject: str | None = None) -> None:
        self.name = name
        self.target = target
        self.wire = wire
        self.auth = auth
        self.family = target.family
        self._subject_name = subject
        self._cache: dict[tuple[Any, ...], Answer] = {}
        self._subject: tuple[ListSpec, Page] | None = None
        self._organizations: Page | None = None

    @property
    def label(self) -> str:
        return "BILL" if self.name == "bill" else "the emulator"

    # -- requests ---------------------------------------------------------------------------
    def get(
        self,
        path: str,
        params: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        *,
        auth: bool = True,
        transient_ok: bool = False,
    ) -> Answer:
        """GET `path` under /v3 with the session's headers (cached per path, query and headers).
        Limits and server errors raise `Transient` unless `transient_ok`."""
        params = tuple((str(k), str(v)) for k, v in params)
        sent = {**(self.auth.headers if auth else {}), **(headers or {})}
        key = (path, params, tuple(sorted(sent.items())))
        answer = self._cache.get(key)
        if answer is None:
            answer = self.wire.get(endpoint_url(self.target.api_root, path), params, sent)
            self._cache[key] = answer
        if not transient_ok and (
            answer.status >= 500 or answer.status == 429 or answer.code in TRANSIENT_CODES
        ):
            raise Transient(f"{self.label} answered {describe(path, params)} with {answer.summary()}")
        return answer

    def page(
        self, list_spec: ListSpec, params: Iterable[tuple[str, str]] = (), path: str | None = None
    ) -> Page:
        """One page of a list; `Refused` on an error answer, `Skip` if the answer is not a list."""
        params = tuple(params)
        path = path or self.path_of(list_spec)
        answer = self.get(path, params, self.list_headers(list_spec))
        if answer.status != 200:
            raise Refused(describe(path, params), answer)
        body = answer.json
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise Refused(describe(path, params) + " (not a {results: [...]} list)", answer)
        rows = [row for row in body["results"] if isinstance(row, dict)]
        return Page(answer, rows)

    def first_page(self, list_spec: ListSpec) -> Page:
        """The list's first page at its largest page size (a single object as a one-row page)."""
        if list_spec.single:
            path = self.path_of(list_spec)
            answer = self.get(path)
            if answer.status != 200 or not isinstance(answer.json, dict):
                raise Refused(describe(path), answer)
            return Page(
                Answer(answer.status, answer.headers, answer.text, {"results": [answer.json]}), [answer.json]
            )
        return self.page(list_spec, [("max", str(list_spec.max_page))])

    # -- what paths need -------------------------------------------------------------------
    def path_of(self, list_spec: ListSpec) -> str:
        path = list_spec.path
        if "{customerId}" in path:
            path = path.replace("{customerId}", self._customer_with_bank_accounts())
        if "{organizationId}" in path:
            path = path.replace("{organizationId}", self.organization_id())
        return path

    def list_headers(self, list_spec: ListSpec) -> dict[str, str]:
        if not list_spec.needs_organization:
            return {}
        organizations = self.first_page(spec("partner", "organizations")).rows
        if not organizations or not isinstance(organizations[0].get("id"), str):
            raise Skip(f"{self.label} lists no organization to read partner users and roles of")
        return {"organizationId": organizations[0]["id"]}

    def organization_id(self) -> str:
        """The signed-in organization: from the config, or (OAuth) from GET /v3/login/session."""
        configured = self.target.credentials.get("organization_id")
        if configured:
            return configured
        answer = self.get("/login/session")
        value = answer.json.get("organizationId") if isinstance(answer.json, dict) else None
        if answer.status != 200 or not isinstance(value, str):
            raise Refused(describe("/login/session"), answer)
        return value

    def _customer_with_bank_accounts(self) -> str:
        customers = self.first_page(spec("ap_ar", "customers")).rows
        with_accounts = [c for c in customers if c.get("hasBankAccount") is True] or customers
        if not with_accounts or not isinstance(with_accounts[0].get("id"), str):
            raise Skip(f"{self.label} has no customer to list bank accounts of")
        return with_accounts[0]["id"]

    # -- the list the paging, filter and sort probes use ----------------------------------
    def subject(self) -> tuple[ListSpec, Page]:
        """The list paging, filters and sort are probed on: the first candidate with more than one
        page at the largest page size, else the one with the most records. The reference emulator
        takes the list BILL's side chose."""
        if self._subject is None:
            names = (self._subject_name,) if self._subject_name else SUBJECT_CANDIDATES[self.family]
            best: tuple[ListSpec, Page] | None = None
            for name in names:
                list_spec = spec(self.family, name)
                try:
                    page = self.first_page(list_spec)
                except Refused:
                    continue
                if page.token("nextPage") and len(page.rows) > 1:
                    best = (list_spec, page)
                    break
                if best is None or len(page.rows) > len(best[1].rows):
                    best = (list_spec, page)
            if best is None or not best[1].rows:
                tried = ", ".join(spec(self.family, name).path for name in names)
                raise Skip(f"{self.label} has no records in {tried}")
            self._subject = best
        return self._subject

    @property
    def subject_name(self) -> str | None:
        return self._subject[0].stream if self._subject else None

    @property
    def subject_path(self) -> str | None:
        return self._subject[0].path if self._subject else None

    def all_first_pages(self) -> dict[str, Page]:
        """The first page of every list of this kind of access that answers (for format probes)."""
        pages = {}
        for list_spec in streams(self.family):
            try:
                pages[list_spec.stream] = self.first_page(list_spec)
            except (Refused, Skip):
                continue
        return pages
