"""User-facing messages: what went wrong with BILL and what to do about it."""

from __future__ import annotations

from urllib.parse import urlsplit

from .client.auth import AP_AR, PARTNER, SPEND_EXPENSE
from .client.errors import BillApiError, ErrorKind

_ENVIRONMENT_HINT = (
    "Keys are issued per environment: a sandbox key fails in production and the reverse, so also check the "
    "'Environment' setting."
)


def _bill_says(error: BillApiError) -> str:
    code = f"{error.code}: " if error.code else ""
    text = error.body.message
    return f" BILL said: {code}{text}" if text else (f" ({error.code})" if error.code else "")


def for_error(error: BillApiError, auth_type: str | None, api_root: str | None = None) -> str:
    """An actionable message for a classified BILL error."""
    kind = error.kind
    if kind is ErrorKind.BAD_CREDENTIALS:
        if auth_type == AP_AR:
            return (
                "BILL rejected the username and password (BDC_1101). Check the username (or sync-token name) and "
                "the password (or sync token)."
            )
        return "BILL rejected the partner username and password (BDC_1101). Check both values."
    if kind is ErrorKind.BAD_DEV_KEY:
        if auth_type == PARTNER:
            return f"BILL rejected the app key (BDC_1102). Check the app key. {_ENVIRONMENT_HINT}"
        return f"BILL rejected the developer key (BDC_1102). Check the developer key. {_ENVIRONMENT_HINT}"
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
        if auth_type == PARTNER:
            return f"BILL rejected the app key or the partner session (HTTP 401). Check the app key. {_ENVIRONMENT_HINT}"
        return f"BILL rejected the developer key or session (HTTP 401). Check the developer key. {_ENVIRONMENT_HINT}"
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
        host = api_root or "the configured URL"
        return (
            f"The server at {host} did not answer like a BILL API gateway (HTTP {error.status}, "
            f"{'non-JSON' if error.body.envelope == 'non_json' else 'unexpected'} answer). Check 'Base URL override': "
            "leave it empty, or give a gateway root such as https://gateway.prod.bill.com/connect."
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


def for_unreachable(api_root: str | None, reason: str) -> str:
    host = urlsplit(api_root).netloc if api_root else "the BILL gateway"
    return (
        f"Could not reach {host}: {reason}. Check the 'Environment' and 'Base URL override' settings and that this "
        "machine can reach the host."
    )


def for_login_limit(detail: str) -> str:
    return f"{detail} Wait before syncing again; frequent syncs or many connections with the same key use up the limit."


def for_repeated_cursor(stream: str) -> str:
    return (
        f"BILL returned the same page cursor twice while reading '{stream}'. The sync stops instead of reading "
        "the same pages forever; try again later."
    )
