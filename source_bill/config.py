"""Connector config: defaults (read from spec.yaml), normalisation and validation."""

from __future__ import annotations

import contextlib
import pkgutil
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import jsonschema
import orjson
import yaml
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils import is_cloud_environment
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .client.auth import OAUTH, CredentialsError, auth_type_of, credentials_from_config
from .client.urls import (
    InvalidBaseUrlError,
    api_url,
    displayed,
    require_bill_gateway,
    require_bill_token_host,
    token_url,
)

#: Key added to the config with the versioned API root the manifest requests go to.
API_ROOT_KEY = "_api_root"
#: Key discover adds to an OAuth config: the products (`ap_ar`, `spend_expense`) whose streams the
#: manifest lists, those the access token reaches. Without it (read, spec) both are listed.
OAUTH_PRODUCTS_KEY = "_oauth_products"

_INTEGER_KEYS = (
    "page_size",
    "lookback_window_seconds",
    "max_concurrent_requests",
    "hourly_request_budget",
    "max_rate_limit_wait_seconds",
    "session_refresh_minutes",
    "request_timeout_seconds",
)


class ConfigError(ValueError):
    """The config cannot work; the message says what to fix."""

    def traced(self) -> AirbyteTracedException:
        """The CDK's config error with this message (what Airbyte shows the user)."""
        return AirbyteTracedException(
            message=str(self), internal_message=str(self), failure_type=FailureType.config_error
        )


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


def request_timeout(config: Mapping[str, Any]) -> int | None:
    """The configured request timeout in seconds, or None to keep the manifest's own."""
    value = config.get("request_timeout_seconds")
    if isinstance(value, bool):
        return None
    with contextlib.suppress(TypeError, ValueError):
        seconds = int(value)  # type: ignore[arg-type]
        return seconds if seconds > 0 else None
    return None


def _key(config: Mapping[str, Any] | None) -> bytes | None:
    """A config's content as a cache key (None when it is not plain JSON)."""
    try:
        return orjson.dumps(config or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


def prepare_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `config` with defaults filled in, `start_date` in UTC and `_api_root` set.

    Worked out once per config (a command hands the same config to the source, its check, discover
    or read and every component); never raises: problems are reported by `validate_config`.
    """
    key = _key(config)
    if key is None:
        return _prepare(config)
    return dict(_prepared(key))


@lru_cache(maxsize=8)
def _prepared(key: bytes) -> Mapping[str, Any]:
    return _prepare(orjson.loads(key))


def _prepare(config: Mapping[str, Any] | None) -> dict[str, Any]:
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


def _field_name(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path) or "the config"


def _describe(error: jsonschema.ValidationError, prefix: tuple[Any, ...] = ()) -> str:
    """One schema error as a sentence naming the field; a secret field's value is never shown."""
    path = (*prefix, *error.path)
    field = _field_name(path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    secret = bool(schema.get("airbyte_secret"))
    if secret:
        shown = "the value"
    elif isinstance(error.instance, str) and "://" in error.instance:
        shown = repr(displayed(error.instance))  # a URL may carry a password
    else:
        shown = repr(error.instance)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"'{_field_name((*path, missing))}' is required."
    if error.validator == "pattern":
        expected = schema.get("pattern_descriptor") or f"the pattern {error.validator_value}"
        return f"'{field}': {shown} is not valid (expected: {expected})."
    if error.validator in ("minimum", "maximum"):
        bound = "at least" if error.validator == "minimum" else "at most"
        return f"'{field}' must be {bound} {error.validator_value}; {shown} is not."
    if error.validator == "enum":
        return f"'{field}' must be one of {', '.join(map(str, error.validator_value))}; {shown} is not."
    if error.validator == "type":
        return f"'{field}' must be of type {error.validator_value}; {shown} is not."
    return f"'{field}': {'invalid value' if secret else error.message}."


def spec_error(config: Mapping[str, Any]) -> str | None:
    """The first way `config` breaks the spec, naming the field, or None.

    Where the CDK's own check says "... is not valid under any of the given schemas" about the
    credentials, this names the field of the chosen kind of authentication that is at fault.

    In Airbyte Cloud the spec is narrower: `base_url` must be HTTPS on one of BILL's gateways, and
    the OAuth token URL on one of BILL's hosts, so that the overrides cannot aim the connector at
    other (internal) hosts. A JSON-schema pattern cannot say this, as the same spec serves
    self-managed Airbyte, where the emulator on loopback is a valid override.
    """
    schema = spec()["connectionSpecification"]
    instance = {key: value for key, value in config.items() if not str(key).startswith("_")}
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(instance),
        key=lambda e: (len(e.path), list(map(str, e.path))),
    )
    if not errors:
        return _cloud_base_url_error(config)
    error = errors[0]
    if error.validator == "oneOf" and list(error.path) == ["credentials"]:
        credentials = config.get("credentials")
        variants = {
            variant["properties"]["auth_type"]["const"]: variant
            for variant in schema["properties"]["credentials"]["oneOf"]
        }
        auth_type = credentials.get("auth_type") if isinstance(credentials, Mapping) else None
        if auth_type not in variants:
            return (
                f"Config validation error: unknown credentials.auth_type {auth_type!r}; expected one of "
                f"{', '.join(variants)}."
            )
        inner = sorted(
            jsonschema.Draft7Validator(variants[auth_type]).iter_errors(credentials),
            key=lambda e: (len(e.path), list(map(str, e.path))),
        )
        if inner:
            return f"Config validation error: {_describe(inner[0], ('credentials',))}"
    return f"Config validation error: {_describe(error)}"


def _uses_token_url(config: Mapping[str, Any]) -> bool:
    """Whether the config reaches a token endpoint: OAuth, or any config that names one."""
    configured = config.get("token_url")
    return auth_type_of(config) == OAUTH or (isinstance(configured, str) and bool(configured.strip()))


def _cloud_base_url_error(config: Mapping[str, Any]) -> str | None:
    """In Airbyte Cloud, why the configured gateway root is not one of BILL's gateways (or the token
    URL not one of BILL's hosts), or None."""
    if not is_cloud_environment():
        return None
    environment, base_url = config.get("environment"), config.get("base_url")
    try:
        require_bill_gateway(api_url(environment, base_url), base_url)
        if _uses_token_url(config):
            require_bill_token_host(token_url(environment, base_url, config.get("token_url")))
    except InvalidBaseUrlError as error:
        return str(error)
    return None


def validate_config(config: Mapping[str, Any]) -> None:
    """Raise `ConfigError` with an actionable message if the config cannot work (checked once per
    config: a command validates the same config in its entrypoint and again where it is used)."""
    key = _key(config)
    problem = _problem(key, is_cloud_environment()) if key is not None else _first_problem(config)
    if problem:
        raise ConfigError(problem)


@lru_cache(maxsize=8)
def _problem(key: bytes, cloud: bool) -> str | None:
    return _first_problem(orjson.loads(key))  # `cloud` keys the cache: Airbyte Cloud's rules differ


def _first_problem(config: Mapping[str, Any]) -> str | None:
    try:
        _validate(config)
    except ConfigError as error:
        return str(error)
    return None


def _validate(config: Mapping[str, Any]) -> None:
    problem = spec_error(config)
    if problem:
        raise ConfigError(problem)
    try:
        credentials_from_config(config)
    except CredentialsError as error:
        raise ConfigError(str(error)) from None
    try:
        api_url(config.get("environment"), config.get("base_url"))  # in Airbyte Cloud: see spec_error
        if _uses_token_url(config):
            token_url(config.get("environment"), config.get("base_url"), config.get("token_url"))
    except InvalidBaseUrlError as error:
        raise ConfigError(str(error)) from None
    start = config.get("start_date")
    if isinstance(start, str) and start.strip() and parse_start_date(start) > datetime.now(timezone.utc):
        raise ConfigError(
            f"start_date '{start}' is in the future, so no record would be read. Use a past date, or leave "
            "it empty to read all history."
        )
    if auth_type_of(config) == "ap_ar":
        organization_id = str(config["credentials"].get("organization_id", ""))
        if not organization_id.startswith("008"):
            raise ConfigError(
                "The organization ID must start with 008. Copy it from BILL (Settings > Profiles) or the developer portal."
            )
        credentials = config["credentials"]
        if credentials.get("all_organizations") and credentials.get("organization_ids"):
            raise ConfigError(
                "Give either 'organization_ids' (the organizations to read) or 'all_organizations' (every organization "
                "BILL lists for the user), not both."
            )
