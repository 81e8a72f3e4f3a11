"""Everything the connector knows about BILL's rules, in one place.

* `urls`: environment roots and base-URL normalisation.
* `errors`: the error envelope, BDC codes and their handling.
* `auth`: credentials per auth type and their headers.
* `sessions`: login and the shared, thread-safe session.
* `limits`: published limits and backoff waits.
* `pagination`: `nextPage` cursors and page sizes.
* `client`: `BillClient`, used by `check` and the notebooks.
"""

from .auth import (
    AP_AR,
    PARTNER,
    SPEND_EXPENSE,
    ApArCredentials,
    CredentialsError,
    PartnerCredentials,
    SpendExpenseCredentials,
    credentials_from_config,
)
from .client import BillClient
from .errors import BillApiError, ErrorKind, Failure, classify, parse_error_body
from .pagination import RepeatedCursorError
from .sessions import LoginLimitError, SessionManager, login, reset_shared_sessions
from .urls import InvalidBaseUrlError, api_url, normalize_root, root_url

__all__ = [
    "AP_AR",
    "PARTNER",
    "SPEND_EXPENSE",
    "ApArCredentials",
    "BillApiError",
    "BillClient",
    "CredentialsError",
    "ErrorKind",
    "Failure",
    "InvalidBaseUrlError",
    "LoginLimitError",
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
    "reset_shared_sessions",
    "root_url",
]
