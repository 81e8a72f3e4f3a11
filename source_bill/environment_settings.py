"""A session's proxy and CA settings, read from the environment once per host instead of before
every request (`remember_environment`): they do not change during a sync, and reading them cost a
third of the CDK's CPU per request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests


def remember_environment(session: requests.Session) -> None:
    """Read the proxy and CA settings of the environment once per host, not once per request.

    The CDK asks the session for them before every request (`merge_environment_settings`), and
    requests then walks every environment variable twice to find proxies and their exceptions: a
    third of the CDK's CPU per request, for an answer that does not change during a sync. Asked with
    proxies of its own, the session answers as before.
    """
    merge = session.merge_environment_settings
    if getattr(merge, "bill_remembered", False):
        return
    remembered: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if proxies:
            return merge(url, proxies, stream, verify, cert)
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, stream, verify, cert)
        try:
            settings = remembered.get(key)
        except TypeError:  # an unhashable setting
            return merge(url, proxies, stream, verify, cert)
        if settings is None:
            settings = remembered[key] = merge(url, proxies, stream, verify, cert)
        return {**settings, "proxies": dict(settings["proxies"] or {})}

    merge_environment_settings.bill_remembered = True  # type: ignore[attr-defined]
    session.merge_environment_settings = merge_environment_settings  # type: ignore[method-assign]
