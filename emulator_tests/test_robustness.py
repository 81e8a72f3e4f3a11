"""Robustness: malformed ids, queries, bodies and auth headers thrown at every route of the emulator.

Every route comes from the emulator's own route table (`bill_emulator.routes.endpoints()`), so a new
route is covered without touching this file. Whatever a client sends, the emulator must answer the
way BILL does: never a 5xx (faults stay off here), every non-2xx answer BILL's error envelope (a JSON
array of `{timestamp, code: "BDC_nnnn", severity, category, message}`), every 2xx body JSON (or empty,
as BILL's logout and S&E deletes answer). Broken auth must never get a 2xx. The one route with another
contract is the OAuth token endpoint (`POST /authx/token`, `errors="oauth"` in the table): its errors
are RFC 6749 error objects, held just as strictly by `assert_oauth_answer`.

Requests go out through `http.client`, not `requests`: it sends a path as given (`../`, `%zz`, raw
`?`), and the same header twice. The parts of a request a scenario leaves alone are right: seeded ids
of the caller's own objects, a working (MFA-trusted) session, BILL's example body from its Postman
collection. The default run draws 4 examples per route and scenario (derandomized, so every run sends
the same requests); the `reliability` variant (`make test-reliability`) draws 200 per route, each in
any scenario, and finds the rarer combinations.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bill_emulator import EmulatorServer, EmulatorSettings, Limits, running_emulator
from bill_emulator.backends.mfa import EMULATOR_TOKEN
from bill_emulator.handlers import CONNECT, EVENTS, ORG, PARTNER, PARTNER_ORG, PUBLIC, SPEND, Endpoint
from bill_emulator.router import Router
from bill_emulator.routes import endpoints
from emulator_tests import robustness_strategies as rs

# Besides its example database (off: database=None below), hypothesis caches unicode tables and the
# constants it finds in the code under ./.hypothesis; keep those out of the checkout too.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "hypothesis-bill-emulator")

ROUTES = endpoints()
ROUTES_WITH_IDS = [e for e in ROUTES if "{" in e.path]
HEADER_PLANS = rs.header_plans()
_PARAM = re.compile(r"\{(\w+)\}")
_CODE = re.compile(r"BDC_\d{4}")
_ENVELOPE_KEYS = {"timestamp", "code", "severity", "category", "message"}
# The headers each auth kind needs (bill_emulator.handlers documents the kinds).
REQUIRED_HEADERS: dict[str, tuple[str, ...]] = {
    PUBLIC: (),
    ORG: ("devKey", "sessionId"),
    PARTNER: ("appKey", "sessionId"),
    PARTNER_ORG: ("appKey", "sessionId", "organizationId"),
    SPEND: ("apiToken",),
    EVENTS: ("devKey", "sessionId"),
}

_COMMON = {
    "deadline": None,  # a shared, noisy 2-core machine
    "database": None,  # no .hypothesis/ folder in the checkout
    "derandomize": True,  # the same examples every run (each route has its own)
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "print_blob": False,
}
DEFAULT = settings(max_examples=4, **_COMMON)
RELIABLE = settings(max_examples=200, **_COMMON)  # per route, over all five scenarios


def route_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


# -- the emulator and a raw HTTP client -----------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass(repr=False)
class Fuzz:
    """One emulator, its seeded data, working credentials, and per-route strategies."""

    server: EmulatorServer
    seeded: rs.SeededIds
    fields: list[str]
    templates: dict[tuple[str, str], list[Any]]  # request bodies to break, per route
    params: dict[tuple[str, str], set[str]]  # the query parameters each route documents
    dead_session: str = ""
    _sessions: dict[str, str] = field(default_factory=dict)
    _cursors: dict[str, str | None] = field(default_factory=dict)
    _strategies: dict[tuple[str, str], dict[str, st.SearchStrategy[Any]]] = field(default_factory=dict)
    _cache: dict[tuple[Any, ...], st.SearchStrategy[Any]] = field(default_factory=dict)
    _conn: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:
        return f"Fuzz({self.server.base_url})"

    # -- HTTP ---------------------------------------------------------------------------------------
    def send(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes | None = None,
        base: str = CONNECT,
    ) -> Answer:
        """One request exactly as given, under `base` (the route's: /connect or /connect-events): the
        target is not normalised, headers may repeat."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=60)
        conn = self._conn
        try:
            conn.putrequest(method, base + target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value.encode("latin-1"))
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return Answer(response.status, response.getheader("content-type") or "", response.read())
        except (http.client.HTTPException, OSError):
            conn.close()
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    # -- credentials ------------------------------------------------------------------------------------
    @property
    def creds(self) -> dict[str, Any]:
        return self.server.emulator.credentials

    def session(self, kind: str) -> str:
        """A live org or partner session id (signed in again after a logout or an expiry). The org
        session is MFA-trusted, so payment handlers are reached too."""
        if kind not in self._sessions:
            if kind == ORG:
                headers = self.server.login_headers()
                self._sessions[kind] = headers["sessionId"]
                self._trust([(k, v) for k, v in headers.items()] + _JSON)
            else:
                partner = self.creds["partner"]
                body = {k: partner[k] for k in ("username", "password")} | {"appKey": partner["app_key"]}
                answer = self.send("POST", "/v3/partner/login", _JSON, json.dumps(body).encode())
                assert answer.status == 200, answer
                self._sessions[kind] = json.loads(answer.body)["sessionId"]
        return self._sessions[kind]

    def _trust(self, headers: list[tuple[str, str]]) -> None:
        """BILL's MFA dance (register a phone once, then a challenge with rememberMe); best effort:
        when the fuzzing broke MFA for this user, payment calls just answer 403 BDC_1361."""

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = self.send("POST", path, headers, json.dumps(body).encode())
            payload = json.loads(answer.body) if answer.body else {}
            return payload if answer.status == 200 and isinstance(payload, dict) else {}

        phones = self.send("GET", "/v3/mfa/phones", headers)
        if phones.status == 200 and not json.loads(phones.body).get("results"):
            setup = post("/v3/mfa/setup", {"phone": "4155550100", "type": "TEXT", "primary": True})
            post("/v3/mfa/setup/validate", {"setupId": setup.get("setupId", ""), "token": EMULATOR_TOKEN})
        challenge = post("/v3/mfa/challenge", {"useBackup": False})
        body = {"challengeId": challenge.get("challengeId", ""), "token": EMULATOR_TOKEN}
        post(
            "/v3/mfa/challenge/validate", body | {"device": "fuzz", "machineName": "fuzz", "rememberMe": True}
        )

    def forget(self, kind: str) -> None:
        self._sessions.pop(kind, None)

    def valid_values(self, auth: str) -> dict[str, str]:
        """The right value of every auth header; sessionId is the session the route's kind needs."""
        session_kind = PARTNER if auth in (PARTNER, PARTNER_ORG) else ORG
        return {
            "devKey": self.creds["ap_ar"]["dev_key"],
            "sessionId": self.session(session_kind),
            "appKey": self.creds["partner"]["app_key"],
            "apiToken": self.creds["spend_expense"]["api_token"],
            "organizationId": self.creds["ap_ar"]["organization_id"],
            "Content-Type": "application/json",
        }

    def other_values(self, auth: str) -> dict[str, str]:
        """Each auth header carrying a real credential of the wrong kind."""
        wrong_session = ORG if auth in (PARTNER, PARTNER_ORG) else PARTNER
        return {
            "devKey": self.creds["partner"]["app_key"],
            "sessionId": self.session(wrong_session),
            "appKey": self.creds["ap_ar"]["dev_key"],
            "apiToken": self.creds["ap_ar"]["dev_key"],
            "organizationId": self.seeded.for_name("userId")[0],
            "Content-Type": "text/plain",
        }

    def auth_headers(self, endpoint: Endpoint) -> list[tuple[str, str]]:
        values = self.valid_values(endpoint.auth)
        return [(name, values[name]) for name in (*REQUIRED_HEADERS[endpoint.auth], "Content-Type")]

    def after(self, endpoint: Endpoint, answer: Answer, authenticated: bool = True) -> None:
        """Keep the cached sessions alive for the next example: a logout ends one, and so does
        whatever answers 401 to working credentials."""
        if endpoint.path == "/v3/logout" and answer.status == 200:
            self.forget(ORG)
        if answer.status == 401 and authenticated:
            self.forget(ORG)
            self.forget(PARTNER)

    # -- per-route inputs -------------------------------------------------------------------------------
    def strategies(self, endpoint: Endpoint) -> dict[str, st.SearchStrategy[Any]]:
        """The strategies for one route; routes with the same ids or templates share them (building
        a strategy, and hypothesis' first look at it, cost more than drawing from it)."""
        key = (endpoint.method, endpoint.path)
        if key not in self._strategies:
            template_key = key if key in self.templates else ("*", "*")
            templates = self.templates[template_key]
            names = sorted(self.params.get(key, ()))
            fitting = {
                name: tuple(self.seeded.for_name(name, endpoint.path))
                for name in _PARAM.findall(endpoint.path)
            }
            chosen: dict[str, st.SearchStrategy[Any]] = {
                "query": self._shared(
                    ("query", *names), lambda: rs.query_pairs(self.fields, self.seeded, names)
                ),
                "body": self._shared(("body", template_key), lambda: rs.bodies(templates, self.seeded)),
                "template": self._shared(
                    ("template", template_key),
                    lambda: (
                        st.none()
                        | st.sampled_from(templates)
                        .flatmap(lambda t: rs.filled(t, self.seeded))
                        .map(lambda v: json.dumps(v).encode())
                    ),
                ),
            }
            for name, ids in fitting.items():
                chosen[f"malformed:{name}"] = self._shared(
                    ("malformed", ids), lambda ids=ids: rs.path_segments(self.seeded, ids)
                )
                chosen[f"real:{name}"] = self._shared(("real", ids), lambda ids=ids: st.sampled_from(ids))
            self._strategies[key] = chosen
        return self._strategies[key]

    def _shared(
        self, key: tuple[Any, ...], build: Callable[[], st.SearchStrategy[Any]]
    ) -> st.SearchStrategy[Any]:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def path(self, endpoint: Endpoint, data: st.DataObject, malformed: bool) -> str:
        strategies = self.strategies(endpoint)
        kind = "malformed" if malformed else "real"
        return _PARAM.sub(
            lambda m: data.draw(strategies[f"{kind}:{m.group(1)}"], label=m.group(1)), endpoint.path
        )

    def real_cursor(self, endpoint: Endpoint, path: str) -> str | None:
        """A real nextPage token of a list route, to corrupt."""
        if endpoint.method != "GET":
            return None
        if path not in self._cursors:
            answer = self.send("GET", path + "?max=1", self.auth_headers(endpoint), base=endpoint.base)
            self.after(endpoint, answer)
            token = None
            if answer.status == 200:
                payload = json.loads(answer.body)
                token = payload.get("nextPage") if isinstance(payload, dict) else None
            self._cursors[path] = token
        return self._cursors[path]


_JSON = [("Content-Type", "application/json")]


def _seeded(server: EmulatorServer) -> tuple[rs.SeededIds, list[str], list[Any]]:
    """Seeded ids (the fuzzing callers' own by kind, and everybody's), field names to filter and sort
    on, and one object of each kind."""
    creds = server.emulator.credentials
    store = server.emulator.store
    own = {creds["ap_ar"]["organization_id"], creds["partner"]["partner_id"]}
    own |= {scope for _, _, scope, _ in store.credentials("api_token", creds["spend_expense"]["api_token"])}
    by_kind: dict[str, list[str]] = {}
    others: list[str] = []
    fields = {"id", "archived", "createdTime", "updatedTime"}
    samples: dict[str, Any] = {}
    for kind, scope, object_id, body in store.execute("SELECT kind, scope, id, body FROM records"):
        if scope in own:
            by_kind.setdefault(kind, []).append(object_id)
        else:
            others.append(object_id)
        if kind not in samples:
            samples[kind] = json.loads(body)
            for key, value in samples[kind].items():
                fields.add(key)
                if isinstance(value, dict):
                    fields.update(f"{key}.{inner}" for inner in value)
    return rs.SeededIds(by_kind, others), sorted(fields), list(samples.values())


def _postman_examples() -> tuple[dict[tuple[str, str], list[Any]], dict[tuple[str, str], set[str]]]:
    """BILL's own example bodies and query parameter names per route, from its Postman collection
    (when it is at hand: emulator_tests/contract.py says where it lives)."""
    try:
        from emulator_tests.contract import load_requests, parse_body

        requests = load_requests()
    except (OSError, ValueError):
        return {}, {}
    router = Router(ROUTES)
    bodies: dict[tuple[str, str], list[Any]] = {}
    params: dict[tuple[str, str], set[str]] = {}
    for request in requests:
        match = router.match("/" + "/".join("x" if s.startswith(":") else s for s in request.segments))
        endpoint = match[0].get(request.method) if match else None
        if endpoint is None:
            continue
        key = (endpoint.method, endpoint.path)
        params.setdefault(key, set()).update(name for name, _ in request.query)
        if request.body_mode == "raw" and request.raw_body.strip():
            try:
                bodies.setdefault(key, []).append(parse_body(request.raw_body))
            except ValueError:
                continue
    return bodies, params


@contextmanager
def fuzzing() -> Iterator[Fuzz]:
    """An emulator with BILL's default settings (faults off) and its fuzzing harness."""
    # BILL's hourly, login and S&E per-minute limits would soon answer every call with 429.
    limits = Limits(requests_per_hour=None, logins_per_hour=None, spend_per_minute=None)
    with running_emulator(EmulatorSettings(scale="tiny", limits=limits)) as server:
        seeded, fields, samples = _seeded(server)
        templates, params = _postman_examples()
        templates[("*", "*")] = samples
        runner = Fuzz(server, seeded, fields, templates, params)
        dead = server.login_headers()
        runner.send("POST", "/v3/logout", list(dead.items()))
        runner.dead_session = dead["sessionId"]
        try:
            yield runner
        finally:
            runner.close()


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Fuzz]:
    with fuzzing() as runner:
        yield runner


# -- what every answer must look like -------------------------------------------------------------------
def assert_route_answer(endpoint: Endpoint, answer: Answer, request: str) -> None:
    """The check of the route's own contract: BILL's envelope, except on the OAuth token endpoint
    (`errors="oauth"`), which answers as an RFC 6749 server does."""
    if endpoint.errors == "oauth":
        assert_oauth_answer(answer, request)
    else:
        assert_bill_answer(answer, request)


# RFC 6749 §5.2: the error codes a token endpoint answers with.
_OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}


def assert_oauth_answer(answer: Answer, request: str) -> None:
    """Never a 5xx; JSON always; a 2xx is a Bearer token (RFC 6749 §5.1), anything else a 400 or 401
    error object (§5.2) with a known `error` and a readable `error_description`."""
    shown = f"{request}\n-> {answer.status} {answer.body[:600]!r}"
    assert answer.status < 500, shown
    assert answer.content_type.startswith("application/json"), shown
    try:
        payload = json.loads(answer.body)
    except ValueError:
        raise AssertionError(f"body is not JSON: {shown}") from None
    assert isinstance(payload, dict), shown
    if 200 <= answer.status < 300:
        assert payload.get("token_type") == "Bearer", shown
        assert isinstance(payload.get("access_token"), str) and payload["access_token"], shown
        assert isinstance(payload.get("expires_in"), int) and payload["expires_in"] > 0, shown
        return
    assert answer.status in (400, 401), shown
    assert set(payload) == {"error", "error_description"}, shown
    assert payload["error"] in _OAUTH_ERRORS, shown
    assert isinstance(payload["error_description"], str) and payload["error_description"], shown


def assert_bill_answer(answer: Answer, request: str) -> None:
    """Never a 5xx; 2xx bodies are JSON (or empty); anything else is BILL's error envelope."""
    shown = f"{request}\n-> {answer.status} {answer.body[:600]!r}"
    assert answer.status < 500, shown
    if 200 <= answer.status < 300 and not answer.body:
        return
    assert answer.content_type.startswith("application/json"), shown
    try:
        payload = json.loads(answer.body)
    except ValueError:
        raise AssertionError(f"body is not JSON: {shown}") from None
    if 200 <= answer.status < 300:
        return
    assert isinstance(payload, list) and payload, shown
    for error in payload:
        assert isinstance(error, dict) and set(error) >= _ENVELOPE_KEYS, shown
        assert _CODE.fullmatch(str(error["code"])), shown
        assert isinstance(error["message"], str) and error["message"], shown


def _call(
    fuzz: Fuzz,
    endpoint: Endpoint,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    authenticated: bool = True,
) -> Answer:
    answer = fuzz.send(endpoint.method, target, headers, body, base=endpoint.base)
    fuzz.after(endpoint, answer, authenticated)
    assert_route_answer(endpoint, answer, _describe(endpoint, target, headers, body))
    return answer


def _describe(endpoint: Endpoint, target: str, headers: list[tuple[str, str]], body: bytes | None) -> str:
    shown_body = body if body is None or len(body) < 400 else body[:400] + b"..."
    return f"{route_id(endpoint)}: {endpoint.method} {target[:500]} headers={headers} body={shown_body!r}"


# -- scenarios (each draws one malformed request for one route and checks the answer) ---------------------
def _query(fuzz: Fuzz, endpoint: Endpoint, path: str, data: st.DataObject) -> str:
    pairs = []
    for name, value in data.draw(fuzz.strategies(endpoint)["query"], label="query"):
        if isinstance(value, rs.TamperedCursor):
            token = fuzz.real_cursor(endpoint, path)
            value = rs.tamper(token, value.keys) if token else "not-a-token"
        pairs.append((name, value))
    return rs.render_query(pairs, raw=data.draw(st.booleans(), label="raw query"))


def _broken_headers(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> tuple[list[tuple[str, str]], list[str]]:
    """Auth headers sent per a drawn plan, and the required ones the plan surely breaks."""
    plan = data.draw(HEADER_PLANS, label="headers")
    valid, other = fuzz.valid_values(endpoint.auth), fuzz.other_values(endpoint.auth)
    headers: list[tuple[str, str]] = []
    for name, (mode, junk) in plan.items():
        headers += {
            "omit": [],
            "valid": [(name, valid[name])],
            "junk": [(name, junk)],
            "empty": [(name, "")],
            "valid+junk": [(name, valid[name]), (name, junk)],
            "junk+valid": [(name, junk), (name, valid[name])],
            "valid+valid": [(name, valid[name])] * 2,
            "other": [(name, other[name])],
            "dead": [(name, fuzz.dead_session if name == "sessionId" else junk)],
            "case": [(name.swapcase(), valid[name])],
            "padded": [(name, f"  {valid[name]}  ")],
        }[mode]
    broken = [name for name in REQUIRED_HEADERS[endpoint.auth] if plan[name][0] in rs.BREAKING_MODES]
    return headers, broken


def fuzz_request(
    fuzz: Fuzz,
    endpoint: Endpoint,
    data: st.DataObject,
    *,
    ids: bool | None = False,
    query: bool | None = False,
    body: bool | None = False,
    headers: bool | None = False,
) -> None:
    """Send one request with the chosen parts malformed (None: let hypothesis choose) and check the
    answer; the other parts are right: seeded ids that fit, working auth, BILL's example body."""

    def chosen(flag: bool | None, label: str) -> bool:
        return data.draw(st.booleans(), label=label) if flag is None else flag

    path = fuzz.path(endpoint, data, malformed=chosen(ids, "malformed ids"))
    target = f"{path}?{_query(fuzz, endpoint, path, data)}" if chosen(query, "malformed query") else path
    kind = "body" if chosen(body, "malformed body") else "template"
    content = data.draw(fuzz.strategies(endpoint)[kind], label="body")
    authenticated = not chosen(headers, "broken headers")
    sent, broken = (
        (fuzz.auth_headers(endpoint), []) if authenticated else _broken_headers(fuzz, endpoint, data)
    )
    answer = _call(fuzz, endpoint, target, sent, content, authenticated)
    if broken:
        assert 400 <= answer.status < 500, (
            f"broken {broken} yet {answer.status}: {_describe(endpoint, target, sent, content)}"
        )


Scenario = Callable[[Fuzz, Endpoint, st.DataObject], None]
SCENARIOS: dict[str, Scenario] = {
    "ids": lambda f, e, d: fuzz_request(f, e, d, ids=True),
    "query": lambda f, e, d: fuzz_request(f, e, d, query=True),
    "body": lambda f, e, d: fuzz_request(f, e, d, body=True),
    # broken auth, with or without a malformed query and body
    "headers": lambda f, e, d: fuzz_request(f, e, d, query=None, body=None, headers=True),
    # any mix of the above
    "everything": lambda f, e, d: fuzz_request(f, e, d, ids=None, query=None, body=None, headers=None),
}


# -- the default run: a few examples per route and scenario ----------------------------------------------
@pytest.mark.parametrize("endpoint", ROUTES_WITH_IDS, ids=route_id)
@DEFAULT
@given(data=st.data())
def test_given_malformed_path_ids_on_any_route_when_calling_then_bill_error_envelope_never_500(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> None:
    SCENARIOS["ids"](fuzz, endpoint, data)


@pytest.mark.parametrize("endpoint", ROUTES, ids=route_id)
@DEFAULT
@given(data=st.data())
def test_given_malformed_query_on_any_route_when_calling_then_bill_error_envelope_never_500(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> None:
    SCENARIOS["query"](fuzz, endpoint, data)


@pytest.mark.parametrize("endpoint", ROUTES, ids=route_id)
@DEFAULT
@given(data=st.data())
def test_given_malformed_body_on_any_route_when_calling_then_bill_error_envelope_never_500(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> None:
    SCENARIOS["body"](fuzz, endpoint, data)


@pytest.mark.parametrize("endpoint", ROUTES, ids=route_id)
@DEFAULT
@given(data=st.data())
def test_given_broken_auth_headers_on_any_route_when_calling_then_4xx_envelope_never_500(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> None:
    SCENARIOS["headers"](fuzz, endpoint, data)


def test_given_every_route_of_the_table_when_called_with_seeded_ids_then_it_is_routed_not_bdc_1121(
    fuzz: Fuzz,
) -> None:
    """The fuzzed requests really reach each route: none is answered "API not supported"."""
    unrouted = []
    for endpoint in ROUTES:
        path = _PARAM.sub(lambda m, p=endpoint.path: fuzz.seeded.for_name(m.group(1), p)[0], endpoint.path)
        answer = fuzz.send(endpoint.method, path, fuzz.auth_headers(endpoint), b"", base=endpoint.base)
        fuzz.after(endpoint, answer)
        assert_route_answer(endpoint, answer, f"{route_id(endpoint)}: {endpoint.method} {path}")
        if answer.status == 404 and json.loads(answer.body)[0]["code"] == "BDC_1121":
            unrouted.append(route_id(endpoint))
    assert not unrouted
    assert len({route_id(e) for e in ROUTES}) == len(ROUTES) > 200


# -- the reliability run: many more examples ---------------------------------------------------------------
# One test per route, each example in any scenario (one test function parametrized over routes and
# scenarios would nest hypothesis' per-item settings past Python's recursion limit).
@pytest.mark.reliability
@pytest.mark.parametrize("endpoint", ROUTES, ids=route_id)
@RELIABLE
@given(data=st.data())
def test_given_many_malformed_requests_on_any_route_when_calling_then_bill_error_envelope_never_500(
    fuzz: Fuzz, endpoint: Endpoint, data: st.DataObject
) -> None:
    scenario = data.draw(st.sampled_from(sorted(SCENARIOS)), label="scenario")
    SCENARIOS[scenario](fuzz, endpoint, data)
