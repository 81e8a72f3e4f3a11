"""`ConfigBuilder`: connector configs for tests, one auth type at a time."""

from __future__ import annotations

from typing import Any

BASE_URL = "https://gateway.test.bill.example/connect"
API_ROOT = BASE_URL + "/v3"

USERNAME = "ap.clerk@example.com"
PASSWORD = "Passw0rd-very-secret"
ORGANIZATION_ID = "00801TESTORG0000001"
DEV_KEY = "01DEVKEY-secret-4242"
APP_KEY = "01APPKEY-secret-7777"
API_TOKEN = "se-token-secret-31337"
CONSOLE_API_TOKEN = "console-token-secret-5150"
CLIENT_ID = "client-id-0001"
CLIENT_SECRET = "client-secret-very-secret-0001"
SECRETS = (PASSWORD, DEV_KEY, APP_KEY, API_TOKEN, CONSOLE_API_TOKEN, CLIENT_SECRET)


class ConfigBuilder:
    def __init__(self) -> None:
        self._config: dict[str, Any] = {
            "credentials": {
                "auth_type": "ap_ar",
                "username": USERNAME,
                "password": PASSWORD,
                "organization_id": ORGANIZATION_ID,
                "dev_key": DEV_KEY,
            },
            "base_url": BASE_URL,
            "lookback_window_seconds": 0,
        }

    def ap_ar(self) -> ConfigBuilder:
        return self

    def partner(self) -> ConfigBuilder:
        self._config["credentials"] = {
            "auth_type": "partner",
            "username": "partner-admin",
            "password": PASSWORD,
            "app_key": APP_KEY,
        }
        return self

    def console(self) -> ConfigBuilder:
        """AP/AR signing in with an Accountant Console API token in place of the password."""
        credentials = self._config["credentials"]
        credentials.pop("password", None)
        credentials["console_api_token"] = CONSOLE_API_TOKEN
        return self

    def oauth(self) -> ConfigBuilder:
        self._config["credentials"] = {
            "auth_type": "oauth",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        return self

    def spend_expense(self) -> ConfigBuilder:
        self._config["credentials"] = {"auth_type": "spend_expense", "api_token": API_TOKEN}
        return self

    def with_start_date(self, start_date: str) -> ConfigBuilder:
        self._config["start_date"] = start_date
        return self

    def with_base_url(self, base_url: str | None) -> ConfigBuilder:
        if base_url is None:
            self._config.pop("base_url", None)
        else:
            self._config["base_url"] = base_url
        return self

    def with_environment(self, environment: str) -> ConfigBuilder:
        self._config["environment"] = environment
        return self

    def with_option(self, key: str, value: Any) -> ConfigBuilder:
        self._config[key] = value
        return self

    def build(self) -> dict[str, Any]:
        return {**self._config, "credentials": dict(self._config["credentials"])}
