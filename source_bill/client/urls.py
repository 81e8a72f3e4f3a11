"""BILL gateway roots, base-URL normalisation and the OAuth token endpoint."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

PRODUCTION_ROOT = "https://gateway.prod.bill.com/connect"
SANDBOX_ROOT = "https://gateway.stage.bill.com/connect"
ENVIRONMENT_ROOTS = {"production": PRODUCTION_ROOT, "sandbox": SANDBOX_ROOT}
API_VERSION = "v3"
#: BILL's API gateways: the only hosts a base URL may name where internal hosts must stay unreachable.
GATEWAY_HOSTS = frozenset(str(urlsplit(root).hostname) for root in ENVIRONMENT_ROOTS.values())
#: The path under which BILL's gateways serve this API.
GATEWAY_PATH = urlsplit(PRODUCTION_ROOT).path

#: BILL's OAuth token endpoint path (REFERENCE §2.6, confirmed by BILL's docs).
TOKEN_PATH = "/authx/token"
#: The token endpoint of each environment when no base URL or token URL is configured. The sandbox's
#: host is the server BILL's OpenAPI definition of the endpoint names
#: (developer.bill.com/openapi/o-auth-authentication.json: https://auth.stage.bill.com); the
#: production host is inferred from BILL's naming of its gateways (gateway.stage -> gateway.prod).
ENVIRONMENT_TOKEN_URLS = {
    "production": "https://auth.prod.bill.com" + TOKEN_PATH,
    "sandbox": "https://auth.stage.bill.com" + TOKEN_PATH,
}
#: Hosts a token URL may name where internal hosts must stay unreachable: BILL's OAuth hosts and gateways.
TOKEN_HOSTS = GATEWAY_HOSTS | frozenset(
    str(urlsplit(url).hostname) for url in ENVIRONMENT_TOKEN_URLS.values()
)


class InvalidBaseUrlError(ValueError):
    """The configured base URL cannot be used to reach BILL."""


def displayed(url: str) -> str:
    """`url` for messages: stripped, and without any user info (which may hold a password)."""
    text = url.strip()
    parts = urlsplit(text)
    if "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, "****@" + host, parts.path, parts.query, parts.fragment))


def normalize_root(base_url: str) -> str:
    """Return `base_url` without trailing slashes or a trailing `/v3`.

    `https://host/connect`, `https://host/connect/` and `https://host/connect/v3/` all give
    `https://host/connect`, so appending `/v3/...` never produces `/v3/v3`.
    """
    root = base_url.strip()
    while True:
        stripped = root.rstrip("/")
        if stripped.lower().endswith("/" + API_VERSION):
            stripped = stripped[: -len(API_VERSION) - 1]
        if stripped == root:
            break
        root = stripped
    parts = urlsplit(root)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidBaseUrlError(
            f"The base URL '{displayed(base_url)}' is not an http(s) URL. Use a BILL gateway root such as '{PRODUCTION_ROOT}'."
        )
    if parts.query or parts.fragment:
        raise InvalidBaseUrlError(
            f"The base URL '{displayed(base_url)}' must not contain a query string or fragment."
        )
    if any(segment.lower() == API_VERSION for segment in parts.path.split("/")):
        raise InvalidBaseUrlError(
            f"The base URL '{displayed(base_url)}' points inside the API (it has /{API_VERSION}/ followed by more path). Give "
            f"the gateway root only, such as '{PRODUCTION_ROOT}'."
        )
    host = (parts.hostname or "").lower()
    if host in GATEWAY_HOSTS and parts.path != GATEWAY_PATH:
        raise InvalidBaseUrlError(
            f"The base URL '{displayed(base_url)}' names BILL's gateway with the path '{parts.path or '/'}', but BILL "
            f"serves the API under {GATEWAY_PATH}. Use 'https://{host}{GATEWAY_PATH}', or leave the base URL empty."
        )
    return root


def _on_bill_host(url: str, hosts: frozenset[str]) -> bool:
    """Whether `url` is HTTPS on one of `hosts`, on the default port, without user info."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return (
        parts.scheme == "https"
        and (parts.hostname or "").lower() in hosts
        and port in (None, 443)
        and not parts.username
        and not parts.password
    )


def require_bill_gateway(root: str, base_url: str | None = None) -> None:
    """Refuse a root that is not HTTPS on one of BILL's gateway hosts (default port, no user info).

    Used where the connector must not be aimable at other hosts (Airbyte Cloud).
    """
    if _on_bill_host(root, GATEWAY_HOSTS):
        return
    shown = displayed(base_url or root)
    raise InvalidBaseUrlError(
        f"In Airbyte Cloud the base URL must be https:// on one of BILL's gateways "
        f"({', '.join(sorted(GATEWAY_HOSTS))}); '{shown}' is not. Leave 'Base URL override' empty and choose the "
        "Environment instead."
    )


def root_url(environment: str | None = "production", base_url: str | None = None) -> str:
    """The gateway root (without `/v3`) for an environment, or the normalised override."""
    if base_url and base_url.strip():
        return normalize_root(base_url)
    env = (environment or "production").strip().lower()
    try:
        return ENVIRONMENT_ROOTS[env]
    except KeyError:
        raise InvalidBaseUrlError(
            f"Unknown BILL environment '{environment}'. Use 'production' or 'sandbox'."
        ) from None


@lru_cache(maxsize=16)
def api_url(environment: str | None = "production", base_url: str | None = None) -> str:
    """The versioned API root, e.g. `https://gateway.prod.bill.com/connect/v3` (worked out once per
    environment and base URL)."""
    return f"{root_url(environment, base_url)}/{API_VERSION}"


def endpoint_url(api_root: str, path: str) -> str:
    """Join the versioned API root and a path such as `/vendors` or `/v3/vendors`."""
    clean = "/" + path.lstrip("/")
    prefix = "/" + API_VERSION + "/"
    if clean.startswith(prefix):
        clean = clean[len(prefix) - 1 :]
    return api_root.rstrip("/") + clean


def normalize_token_url(url: str) -> str:
    """A configured token URL, stripped: a full http(s) URL without query string or fragment."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidBaseUrlError(
            f"The token URL '{displayed(url)}' is not an http(s) URL. Leave 'Token URL' empty to use the "
            f"environment's ({ENVIRONMENT_TOKEN_URLS['production']} in production)."
        )
    if parts.query or parts.fragment:
        raise InvalidBaseUrlError(
            f"The token URL '{displayed(url)}' must not contain a query string or fragment."
        )
    return text


@lru_cache(maxsize=16)
def token_url(
    environment: str | None = "production", base_url: str | None = None, configured: str | None = None
) -> str:
    """Where OAuth access tokens are requested: the configured token URL; else, with a base URL
    override (a proxy, the emulator), `<base URL root>/authx/token`; else the environment's."""
    if configured and configured.strip():
        return normalize_token_url(configured)
    if base_url and base_url.strip():
        return normalize_root(base_url) + TOKEN_PATH
    env = (environment or "production").strip().lower()
    try:
        return ENVIRONMENT_TOKEN_URLS[env]
    except KeyError:
        raise InvalidBaseUrlError(
            f"Unknown BILL environment '{environment}'. Use 'production' or 'sandbox'."
        ) from None


def require_bill_token_host(url: str) -> None:
    """Refuse a token URL that is not HTTPS on one of BILL's OAuth hosts or gateways (Airbyte Cloud)."""
    if _on_bill_host(url, TOKEN_HOSTS):
        return
    raise InvalidBaseUrlError(
        f"In Airbyte Cloud the token URL must be https:// on one of BILL's hosts ({', '.join(sorted(TOKEN_HOSTS))}); "
        f"'{displayed(url)}' is not. Leave 'Token URL' empty and choose the Environment instead."
    )
