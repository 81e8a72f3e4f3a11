"""Connector config: defaults (read from spec.yaml), normalisation and validation."""

from __future__ import annotations

import contextlib
import pkgutil
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import yaml

from .client.auth import CredentialsError, auth_type_of, credentials_from_config
from .client.urls import InvalidBaseUrlError, api_url

#: Key added to the config with the versioned API root the manifest requests go to.
API_ROOT_KEY = "_api_root"

_INTEGER_KEYS = (
    "page_size",
    "lookback_window_seconds",
    "max_concurrent_requests",
    "hourly_request_budget",
    "max_rate_limit_wait_seconds",
    "session_refresh_minutes",
)


class ConfigError(ValueError):
    """The config cannot work; the message says what to fix."""


@lru_cache(maxsize=1)
def spec() -> Mapping[str, Any]:
    data = pkgutil.get_data("source_bill", "spec.yaml")
    assert data is not None
    return yaml.safe_load(data)


def defaults() -> dict[str, Any]:
    """The `default` of every top-level spec property."""
    properties = spec()["connectionSpecification"]["properties"]
    return {name: prop["default"] for name, prop in properties.items() if "default" in prop}


def parse_start_date(value: str) -> datetime:
    """Parse an ISO 8601 date or date-time; a value without zone is UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"start_date '{value}' is not an ISO 8601 date or date-time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def prepare_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `config` with defaults filled in, `start_date` in UTC and `_api_root` set.

    Never raises: problems are reported by `validate_config`.
    """
    prepared: dict[str, Any] = dict(config or {})
    for key, value in defaults().items():
        if prepared.get(key) in (None, ""):
            prepared[key] = value
    for key in _INTEGER_KEYS:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            prepared[key] = int(prepared[key])
    start = prepared.get("start_date")
    if isinstance(start, str) and start.strip():
        with contextlib.suppress(ConfigError):
            prepared["start_date"] = parse_start_date(start).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        prepared.pop("start_date", None)
    try:
        prepared[API_ROOT_KEY] = api_url(prepared.get("environment"), prepared.get("base_url"))
    except InvalidBaseUrlError:
        prepared.pop(API_ROOT_KEY, None)
    return prepared


def validate_config(config: Mapping[str, Any]) -> None:
    """Raise `ConfigError` with an actionable message if the config cannot work."""
    try:
        credentials_from_config(config)
    except CredentialsError as error:
        raise ConfigError(str(error)) from None
    try:
        api_url(config.get("environment"), config.get("base_url"))
    except InvalidBaseUrlError as error:
        raise ConfigError(str(error)) from None
    start = config.get("start_date")
    if isinstance(start, str) and start.strip():
        parse_start_date(start)
    if auth_type_of(config) == "ap_ar":
        organization_id = str(config["credentials"].get("organization_id", ""))
        if not organization_id.startswith("008"):
            raise ConfigError(
                "The organization ID must start with 008. Copy it from BILL (Settings > Profiles) or the developer portal."
            )
