"""Probes of signing in: the sign-in answer and the session's shape, and how bad credentials are told."""

from __future__ import annotations

from bill_emulator.conform.probe import Observation, Probe
from bill_emulator.conform.shapes import error_facts, key_types
from bill_emulator.conform.side import Side
from bill_emulator.conform.wire import Answer

DOCS_AUTH = "docs/emulator.md#what-it-serves (Auth)"
DOCS_OAUTH = "docs/emulator.md#oauth-client-credentials-and-the-accountant-console-token"
DOCS_ASSUMPTIONS = "docs/emulator.md#assumptions (Bad credentials; Error codes without a documented code)"
DOCS_SPEND_AUTH = "docs/emulator.md#what-it-serves (Auth: Spend & Expense apiToken)"
_NOT_A_SESSION = "conform-not-a-session"
_NOT_A_TOKEN = "conform-not-a-token"


def _with_message(observation: Observation, name: str, answer: Answer) -> None:
    if answer.status >= 400 and answer.message:
        observation.notes[f"{name} message"] = answer.message


def sign_in(side: Side) -> Observation:
    observation = Observation()
    target, auth = side.target, side.auth
    if side.family == "spend":
        answer = side.get("/spend/users/current")
        observation.facts["GET /spend/users/current"] = {
            "status": answer.status,
            "keys": key_types(answer.json),
        }
        _with_message(observation, "GET /spend/users/current", answer)
        return observation
    assert auth.answer is not None
    login = auth.answer
    if target.auth_type == "oauth":
        observation.facts["token endpoint"] = auth.where
        observation.facts["POST /authx/token"] = {"status": login.status, "keys": key_types(login.json)}
        observation.facts["token_type"] = login.json.get("token_type")
        observation.facts["Cache-Control"] = login.headers.get("cache-control", "absent")
    else:
        path = "/v3/partner/login" if target.auth_type == "partner" else "/v3/login"
        observation.facts[f"POST {path}"] = {"status": login.status, "keys": key_types(login.json)}
        if target.console:
            observation.notes["signed in with"] = "an Accountant Console API token"
    if target.auth_type == "ap_ar":
        configured = target.credentials["organization_id"]
        observation.facts["organizationId"] = (
            "the configured organization"
            if login.json.get("organizationId") == configured
            else "another value"
        )
    if side.family == "ap_ar":
        details = side.get("/login/session")
        observation.facts["GET /login/session"] = {"status": details.status, "keys": key_types(details.json)}
        _with_message(observation, "GET /login/session", details)
    return observation


def credential_errors(side: Side) -> Observation:
    observation = Observation()
    target = side.target
    if target.auth_type == "oauth":
        name, path, params = "an unknown Bearer token", "/login/session", ()
        headers = {"Authorization": f"Bearer {_NOT_A_TOKEN}"}
    elif target.auth_type == "partner":
        name, path, params = "an unknown partner sessionId", "/partner/organizations", (("max", "1"),)
        headers = {"appKey": target.credentials["app_key"], "sessionId": _NOT_A_SESSION}
    else:
        name, path, params = "an unknown sessionId", "/login/session", ()
        headers = {"devKey": target.credentials["dev_key"], "sessionId": _NOT_A_SESSION}
    answer = side.get(path, params, headers, auth=False)
    observation.facts[f"GET {path} with {name}"] = error_facts(answer)
    _with_message(observation, name, answer)
    return observation


def login_organizations(side: Side) -> Observation:
    """The list of the user's organizations: its envelope, an entry's fields, the signed-in one listed.
    Console parents are noted, not compared (a user outside an accounting firm has none)."""
    observation = Observation()
    answer = side.get("/login/organizations")
    observation.facts["GET /login/organizations"] = {"status": answer.status, "keys": key_types(answer.json)}
    _with_message(observation, "GET /login/organizations", answer)
    results = answer.json.get("results") if isinstance(answer.json, dict) else None
    entries = [entry for entry in results or [] if isinstance(entry, dict)]
    shapes = {
        tuple(sorted(key_types({k: v for k, v in entry.items() if k != "consoleOrganization"}).items()))
        for entry in entries
    }
    observation.facts["entry keys"] = [dict(shape) for shape in sorted(shapes)]
    configured = side.target.credentials.get("organization_id")
    observation.facts["the signed-in organization listed"] = any(
        configured in (entry.get("id"), entry.get("organizationId")) for entry in entries
    )
    consoles = [
        entry["consoleOrganization"]
        for entry in entries
        if isinstance(entry.get("consoleOrganization"), dict)
    ]
    observation.notes["consoleOrganization"] = (
        f"keys {sorted({key for console in consoles for key in console})} on {len(consoles)} entries"
        if consoles
        else "on no entry"
    )
    return observation


def spend_token(side: Side) -> Observation:
    observation = Observation()
    token = side.target.credentials["api_token"]
    cases = (
        ("no apiToken header", {}),
        ("an unknown apiToken", {"apiToken": _NOT_A_TOKEN}),
        ("the API token as a Bearer token (no apiToken header)", {"Authorization": f"Bearer {token}"}),
    )
    for name, headers in cases:
        answer = side.get("/spend/users/current", (), headers, auth=False)
        observation.facts[name] = error_facts(answer)
        _with_message(observation, name, answer)
    return observation


PROBES = (
    Probe(
        "sign_in",
        "Signing in answers as documented and the session works: POST /v3/login gives {sessionId, "
        "organizationId, userId, trusted} and GET /v3/login/session {organizationId, userId, mfaStatus, "
        "mfaBypass}; POST /v3/partner/login gives {sessionId}; POST /authx/token gives {access_token, "
        "token_type: Bearer, expires_in} with Cache-Control: no-store, served under /connect; an S&E "
        "apiToken reads GET /v3/spend/users/current.",
        f"{DOCS_AUTH}; {DOCS_OAUTH}",
        frozenset({"ap_ar", "partner", "spend"}),
        sign_in,
    ),
    Probe(
        "credential_errors",
        "A session id (or Bearer token) BILL does not know answers 401 BDC_1109 in BILL's error envelope; "
        "on partner routes too.",
        f"{DOCS_AUTH}; {DOCS_OAUTH} (Bearer decides)",
        frozenset({"ap_ar", "partner"}),
        credential_errors,
    ),
    Probe(
        "login_organizations",
        "GET /v3/login/organizations (BILL changelog 2026-01-21) lists the user's organizations as {results, "
        "nextPage, prevPage}, each entry {id, name} with a consoleOrganization {id, name} when a console is its "
        "parent (the fields are inferred), the signed-in organization among them.",
        "docs/emulator.md#many-organizations; docs/reliability.md (the login-organizations assumption)",
        frozenset({"ap_ar"}),
        login_organizations,
    ),
    Probe(
        "spend_token",
        "Spend & Expense takes its token in the apiToken header only: none answers 400 BDC_1147, an "
        "unknown one 401 BDC_1147, and the token sent as a Bearer is not taken for it.",
        f"{DOCS_SPEND_AUTH}; {DOCS_ASSUMPTIONS}; {DOCS_OAUTH} (Bearer decides)",
        frozenset({"spend"}),
        spend_token,
    ),
)
