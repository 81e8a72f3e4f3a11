"""User-facing messages: what went wrong with BILL and what to do about it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests

from .client.auth import AP_AR, OAUTH, PARTNER, SPEND_EXPENSE, ApArCredentials, PartnerCredentials
from .client.errors import BillApiError, ErrorKind
from .client.urls import ENVIRONMENT_ROOTS, PRODUCTION_ROOT, TOKEN_PATH, displayed

_ENVIRONMENT_HINT = (
    "Keys are issued per environment: a sandbox key fails in production and the reverse, so also check the "
    "'Environment' setting."
)
#: Where the connector signs in: an answer there about the path means the base URL is wrong.
_LOGIN_PATHS = frozenset({ApArCredentials.login_path, PartnerCredentials.login_path})


def _host(api_root: str | None) -> str | None:
    return urlsplit(displayed(api_root)).netloc.rpartition("@")[2] if api_root else None


def _environment_hint(api_root: str | None) -> str:
    """`_ENVIRONMENT_HINT`, naming the gateway the key was sent to when it is known."""
    host = _host(api_root)
    if not api_root or not host:
        return _ENVIRONMENT_HINT
    root = api_root.rstrip("/").removesuffix("/v3")
    environment = next((name for name, known in ENVIRONMENT_ROOTS.items() if known == root), None)
    where = f"the {environment} gateway, {host}" if environment else f"{host}, from 'Base URL override'"
    return f"{_ENVIRONMENT_HINT} This connection signs in at {where}."


def _answer(error: BillApiError) -> str:
    """What came back instead of a BILL answer, in a few words."""
    text = error.body.text.strip()
    if text.startswith("<"):
        return "an HTML page"
    if error.body.envelope in ("array", "object"):
        return "JSON that is not BILL's"
    try:
        json.loads(text)
    except ValueError:
        # The client describes some answers itself ("login answer without a sessionId").
        return text if 0 < len(text) <= 60 and "\n" not in text else "a non-JSON answer"
    return "JSON that is not BILL's"


def _bill_says(error: BillApiError) -> str:
    code = f"{error.code}: " if error.code else ""
    text = error.body.message
    return f" BILL said: {code}{text}" if text else (f" ({error.code})" if error.code else "")


def is_token_path(path: str | None) -> bool:
    """Whether a request went to the OAuth token endpoint."""
    return bool(path) and str(path).rstrip("/").endswith(TOKEN_PATH)


def product_of(path: str | None) -> str:
    """The BILL product a request path belongs to, for messages."""
    return "Spend & Expense" if "/v3/spend/" in f"{path or ''}/" else "AP/AR"


def _token_endpoint(token_url: str | None) -> str:
    return f"BILL's token endpoint ({displayed(token_url)})" if token_url else "BILL's token endpoint"


def _for_oauth(error: BillApiError, token_url: str | None) -> str | None:
    """The message for an error met with OAuth client credentials, or None for the common one."""
    kind, bill_says = error.kind, _bill_says(error)
    endpoint = _token_endpoint(token_url)
    fix_url = "Check 'Token URL' (leave it empty for the environment's) and 'Base URL override'."
    if is_token_path(error.path):
        if kind in (ErrorKind.BAD_CREDENTIALS, ErrorKind.UNAUTHORIZED, ErrorKind.SESSION_INVALID):
            return (
                f"{endpoint} rejected the client ID and client secret (HTTP {error.status}). Check both: they come "
                "from the developer app created in BILL's web app, and an app's credentials only work in the "
                f"environment it was created in (check the 'Environment' setting).{bill_says}"
            )
        if kind is ErrorKind.PERMISSION_DENIED:
            return (
                f"{endpoint} does not let this developer app use client credentials (HTTP {error.status}). Check the "
                f"app in BILL's web app.{bill_says}"
            )
        if kind in (ErrorKind.NOT_BILL, ErrorKind.API_NOT_SUPPORTED):
            return (
                f"The server at {displayed(token_url) if token_url else 'the token URL'} did not answer like BILL's "
                f"OAuth token endpoint (HTTP {error.status} to POST {error.path}: {_answer(error)}). {fix_url}"
            )
        if kind is ErrorKind.REQUEST_INVALID:
            return f"{endpoint} refused the token request (HTTP {error.status}).{bill_says}"
        return None
    if kind in (ErrorKind.UNAUTHORIZED, ErrorKind.SESSION_INVALID):
        return (
            f"BILL refused the access token for {error.path or 'a request'} (HTTP {error.status}), also a new one "
            f"issued right before: the developer app's user may have no access to {product_of(error.path)}. Check "
            f"that user's role in BILL, or deselect these streams.{bill_says}"
        )
    return None


def for_error(
    error: BillApiError,
    auth_type: str | None,
    api_root: str | None = None,
    *,
    console: bool = False,
    token_url: str | None = None,
) -> str:
    """An actionable message for a classified BILL error (`console`: an AP/AR sign-in with an
    Accountant Console API token; `token_url`: where OAuth tokens are requested)."""
    kind = error.kind
    if auth_type == OAUTH:
        specific = _for_oauth(error, token_url)
        if specific:
            return specific
    if kind is ErrorKind.BAD_CREDENTIALS:
        if auth_type == AP_AR and console:
            return (
                "BILL rejected the username and Accountant Console API token (BDC_1101). Check the username (the "
                "console user's email address), the console API token, and that the console user can sign in to the "
                "organization ID."
            )
        if auth_type == AP_AR:
            return (
                "BILL rejected the username and password (BDC_1101). Check the username (or sync-token name), "
                "the password (or sync token), and that the user belongs to the organization ID."
            )
        return "BILL rejected the partner username and password (BDC_1101). Check both values."
    if kind is ErrorKind.BAD_DEV_KEY:
        if auth_type == PARTNER:
            return f"BILL rejected the app key (BDC_1102). Check the app key. {_environment_hint(api_root)}"
        return f"BILL rejected the developer key (BDC_1102). Check the developer key. {_environment_hint(api_root)}"
    if kind is ErrorKind.NO_API_ACCESS:
        return (
            "This BILL organization does not have API access (BDC_1105). Check the organization ID, and ask BILL "
            "to enable API access for the organization."
        )
    if kind is ErrorKind.UNAUTHORIZED:
        if auth_type == SPEND_EXPENSE:
            return (
                "BILL rejected the Spend & Expense API token (HTTP 401). Create a new token in Spend & Expense "
                f"(Settings > API tokens, as an administrator) and check the environment.{_bill_says(error)}"
            )
        hint = f"{_environment_hint(api_root)}{_bill_says(error)}"
        at_login = error.path in _LOGIN_PATHS  # no session yet: the key is at fault
        if auth_type == PARTNER:
            if at_login:
                return f"BILL rejected the app key at sign-in (HTTP 401). Check the app key. {hint}"
            return f"BILL rejected the app key or the partner session (HTTP 401). Check the app key. {hint}"
        if at_login:
            return f"BILL rejected the developer key at sign-in (HTTP 401). Check the developer key. {hint}"
        return f"BILL rejected the developer key or session (HTTP 401). Check the developer key. {hint}"
    if kind is ErrorKind.SESSION_INVALID:
        return "BILL rejected a session right after signing in (BDC_1109). Check that the credentials belong to this environment and organization."
    if kind is ErrorKind.UNTRUSTED_SESSION:
        return "BILL requires an MFA-trusted session for this request (BDC_1361); the connector only reads data that does not need one."
    if kind is ErrorKind.PERMISSION_DENIED:
        where = f" for {error.path}" if error.path else ""
        return (
            f"The BILL user lacks permission{where} (HTTP {error.status}). Give the user a role that can read this "
            f"data (the organization stream needs the Administrator role), or deselect the stream.{_bill_says(error)}"
        )
    if kind is ErrorKind.NOT_BILL:
        host = displayed(api_root) if api_root else "the configured URL"
        request = f" to {error.method} {error.path}" if error.method and error.path else ""
        return (
            f"The server at {host} did not answer like a BILL API gateway (HTTP {error.status}{request}: "
            f"{_answer(error)}). Check 'Base URL override': leave it empty, or give a gateway root such as "
            f"{PRODUCTION_ROOT}."
        )
    if kind is ErrorKind.API_NOT_SUPPORTED and error.path in _LOGIN_PATHS:
        root = displayed(api_root).removesuffix("/v3") if api_root else "the configured URL"
        return (
            f"{root} has no BILL sign-in at {error.path} (BDC_1121 API not supported), so the base URL is wrong. "
            f"Check 'Base URL override': leave it empty, or give the gateway root ending in /connect, such as "
            f"{PRODUCTION_ROOT}."
        )
    if kind is ErrorKind.API_NOT_SUPPORTED:
        return f"BILL does not support {error.path or 'this request'} for these credentials (BDC_1121). Check the base URL and the kind of authentication.{_bill_says(error)}"
    if kind is ErrorKind.HOURLY_LIMIT:
        return "BILL's hourly request limit for this developer key is used up (BDC_1144). Try again after the top of the hour, or lower 'Hourly request budget' if other integrations share the key."
    if kind is ErrorKind.CONCURRENCY_LIMIT:
        return "BILL kept refusing requests because too many were in flight for this developer key and organization (BDC_1322). Lower 'Maximum concurrent requests' or pause other integrations using the key."
    if kind is ErrorKind.RATE_LIMITED:
        return f"BILL kept rate-limiting requests (HTTP {error.status}). Try again later.{_bill_says(error)}"
    if kind is ErrorKind.SYSTEM_ERROR:
        return f"BILL kept failing with a server error (HTTP {error.status}). Try again later.{_bill_says(error)}"
    return f"BILL refused the request {error.path or ''} (HTTP {error.status}).{_bill_says(error)}"


def failed_url(error: BaseException) -> str | None:
    """The URL a `requests` exception was raised for, when it says."""
    url = getattr(getattr(error, "request", None), "url", None)
    return str(url) if url else None


def for_unreachable(api_root: str | None, reason: str, *, url: str | None = None) -> str:
    """A host that could not be reached: the API's, or (`url`) the OAuth token endpoint's."""
    if url and is_token_path(urlsplit(url).path):
        return (
            f"Could not reach BILL's OAuth token endpoint at {_host(url)}: {reason}. Check 'Token URL' (leave it "
            "empty for the environment's), the 'Environment' and 'Base URL override' settings and that this "
            "machine can reach the host."
        )
    host = _host(url or api_root) or "the BILL gateway"
    return (
        f"Could not reach {host}: {reason}. Check the 'Environment' and 'Base URL override' settings and that this "
        "machine can reach the host."
    )


def for_connection_problem(api_root: str | None, error: Exception) -> str:
    """A request of a sync that got no complete answer (retried)."""
    host = urlsplit(displayed(api_root)).netloc.rpartition("@")[2] if api_root else "the BILL gateway"
    name = type(error).__name__
    if isinstance(error, requests.exceptions.ConnectTimeout):
        what = "the connection could not be opened in time"
    elif isinstance(error, requests.Timeout):
        what = "BILL did not answer within the request timeout ('Request timeout (seconds)')"
    elif isinstance(error, requests.exceptions.ChunkedEncodingError):
        what = "the connection dropped in the middle of an answer"
    elif isinstance(error, requests.ConnectionError):
        what = "the connection failed or was reset"
    else:
        what = "the request failed"
    return f"Could not read from {host}: {what} ({name}). The request is retried."


def for_unreadable_answer(path: str | None, status: int, problem: str) -> str:
    """A 2xx answer whose body is cut off, empty or not JSON: retried, never taken as a (short) page."""
    what = f"BILL's answer to {path}" if path else "BILL's answer"
    return (
        f"{what} was unreadable (HTTP {status}, {problem}). The request is retried so that no record is lost; if "
        "this keeps happening, a proxy or gateway between the connector and BILL is damaging answers."
    )


def for_login_limit(detail: str) -> str:
    return f"{detail} Wait before syncing again; frequent syncs or many connections with the same key use up the limit."


def for_repeated_cursor(stream: str) -> str:
    return (
        f"BILL returned the same page cursor twice while reading '{stream}'. The sync stops instead of reading "
        "the same pages forever; try again later."
    )
