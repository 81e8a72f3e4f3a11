"""Ready-made source-bill configs for an emulator: one per auth type, built from its credentials alone,
so a notebook or a script can build one for an emulator it did not start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AUTH_TYPES = ("ap_ar", "partner", "spend_expense", "oauth")
# Written in this order; config_spend_expense.json stays the last one, as callers wait for it.
CONFIG_FILES = {
    "ap_ar": "config_ap_ar.json",
    "partner": "config_partner.json",
    "oauth": "config_oauth.json",
    "spend_expense": "config_spend_expense.json",
}


def connector_config(
    credentials: Mapping[str, Any],
    base_url: str,
    auth_type: str,
    console: bool = False,
    organization_id: str | None = None,
) -> dict[str, Any]:
    """A ready-to-use source-bill config for one of the auth types (ap_ar, partner, spend_expense,
    oauth), from an emulator's credentials (`Emulator.credentials`, or GET /_emulator/credentials of a
    running one). `console=True` gives the ap_ar config with the Accountant Console API token
    (`console_api_token`) in place of the password; `organization_id` gives the ap_ar config of
    another organization of the same user (the main one otherwise)."""
    if console and auth_type != "ap_ar":
        raise ValueError("console=True goes with auth type 'ap_ar' only")
    if organization_id is not None and auth_type != "ap_ar":
        raise ValueError("organization_id goes with auth type 'ap_ar' only")
    if auth_type == "ap_ar":
        c = credentials["ap_ar"]
        secret = {"console_api_token": c["console_api_token"]} if console else {"password": c["password"]}
        credentials = {
            "auth_type": "ap_ar",
            "username": c["username"],
            **secret,
            "organization_id": organization_id or c["organization_id"],
            "dev_key": c["dev_key"],
        }
    elif auth_type == "partner":
        c = credentials["partner"]
        credentials = {
            "auth_type": "partner",
            "username": c["username"],
            "password": c["password"],
            "app_key": c["app_key"],
        }
    elif auth_type == "spend_expense":
        credentials = {"auth_type": "spend_expense", "api_token": credentials["spend_expense"]["api_token"]}
    elif auth_type == "oauth":
        c = credentials["oauth"]
        credentials = {
            "auth_type": "oauth",
            "client_id": c["client_id"],
            "client_secret": c["client_secret"],
        }
    else:
        raise ValueError(f"unknown auth type {auth_type!r}")
    return {"credentials": credentials, "base_url": base_url}
