"""Everything the connector knows about BILL's rules, in one place.

* `urls`: environment roots, base-URL normalisation and the OAuth token endpoint.
* `errors`: the error envelope, BDC codes and their handling.
* `auth`: credentials per auth type and their headers.
* `sessions`: login, OAuth access tokens and the shared, thread-safe session.
* `limits`: published limits and backoff waits.
* `pagination`: `nextPage` cursors and page sizes.
* `client`: `BillClient`, used by `check` and the notebooks.
"""

from .auth import (
    AP_AR,
    OAUTH,
    PARTNER,
    SPEND_EXPENSE,
    ApArCredentials,
    CredentialsError,
    OAuthCredentials,
    PartnerCredentials,
    SpendExpenseCredentials,
    credentials_from_config,
)
from .client import BillClient
from .errors import BillApiError, ErrorKind, Failure, classify, parse_error_body
from .pagination import RepeatedCursorError
from .sessions import Grant, LoginLimitError, SessionManager, login, request_token, reset_shared_sessions
from .urls import InvalidBaseUrlError, api_url, normalize_root, root_url, token_url

__all__ = [
    "AP_AR",
    "OAUTH",
    "PARTNER",
    "SPEND_EXPENSE",
    "ApArCredentials",
    "BillApiError",
    "BillClient",
    "CredentialsError",
    "ErrorKind",
    "Failure",
    "Grant",
    "InvalidBaseUrlError",
    "LoginLimitError",
    "OAuthCredentials",
    "PartnerCredentials",
    "RepeatedCursorError",
    "SessionManager",
    "SpendExpenseCredentials",
    "api_url",
    "classify",
    "credentials_from_config",
    "login",
    "normalize_root",
    "parse_error_body",
    "request_token",
    "reset_shared_sessions",
    "root_url",
    "token_url",
]
