"""`check`: sign in and make one real list call, then explain any failure precisely."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests

from . import messages
from .client.auth import AP_AR, PARTNER, SPEND_EXPENSE, auth_type_of
from .client.client import BillClient
from .client.errors import BillApiError, ErrorBody, ErrorKind, redact
from .client.sessions import LoginLimitError
from .config import ConfigError, validate_config

#: The list each auth type reads to prove access (one record).
CHECK_PATHS: Mapping[str, str] = {
    AP_AR: "/v3/vendors",
    PARTNER: "/v3/partner/organizations",
    SPEND_EXPENSE: "/v3/spend/users",
}


def check_connection(
    config: Mapping[str, Any], *, http: requests.Session | None = None
) -> tuple[bool, str | None]:
    """Return (True, None) when BILL accepts the credentials, else (False, actionable message)."""
    try:
        validate_config(config)
    except ConfigError as error:
        return False, str(error)
    auth_type = auth_type_of(config)
    # A check should answer quickly: one retry, short waits.
    client = BillClient.from_config(
        config,
        http=http,
        max_retries=1,
        timeout=(10.0, 30.0),
        sleep=lambda seconds: time.sleep(min(seconds, 2.0)),
    )
    secrets = client.credentials.secrets
    try:
        page = client.get(CHECK_PATHS[str(auth_type)], max=1)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise BillApiError(
                200,
                ErrorBody(items=(), envelope="object", text="list answer without results"),
                kind=ErrorKind.NOT_BILL,
            )
    except BillApiError as error:
        return False, redact(messages.for_error(error, auth_type, client.api_root), secrets)
    except LoginLimitError as error:
        return False, messages.for_login_limit(str(error))
    except requests.exceptions.SSLError:
        return False, messages.for_unreachable(client.api_root, "TLS/SSL error")
    except requests.Timeout:
        return False, messages.for_unreachable(client.api_root, "the connection timed out")
    except requests.ConnectionError:
        return False, messages.for_unreachable(client.api_root, "the connection failed (DNS or network)")
    except requests.RequestException as error:
        return False, messages.for_unreachable(client.api_root, type(error).__name__)
    return True, None
