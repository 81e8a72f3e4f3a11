"""BILL gateway roots and base-URL normalisation."""

from __future__ import annotations

from urllib.parse import urlsplit

PRODUCTION_ROOT = "https://gateway.prod.bill.com/connect"
SANDBOX_ROOT = "https://gateway.stage.bill.com/connect"
ENVIRONMENT_ROOTS = {"production": PRODUCTION_ROOT, "sandbox": SANDBOX_ROOT}
API_VERSION = "v3"


class InvalidBaseUrlError(ValueError):
    """The configured base URL cannot be used to reach BILL."""


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
            f"The base URL '{base_url}' is not an http(s) URL. Use a BILL gateway root such as '{PRODUCTION_ROOT}'."
        )
    if parts.query or parts.fragment:
        raise InvalidBaseUrlError(f"The base URL '{base_url}' must not contain a query string or fragment.")
    return root


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


def api_url(environment: str | None = "production", base_url: str | None = None) -> str:
    """The versioned API root, e.g. `https://gateway.prod.bill.com/connect/v3`."""
    return f"{root_url(environment, base_url)}/{API_VERSION}"


def endpoint_url(api_root: str, path: str) -> str:
    """Join the versioned API root and a path such as `/vendors` or `/v3/vendors`."""
    clean = "/" + path.lstrip("/")
    prefix = "/" + API_VERSION + "/"
    if clean.startswith(prefix):
        clean = clean[len(prefix) - 1 :]
    return api_root.rstrip("/") + clean
