"""Raw HTTP helpers for emulator tests: they test BILL's wire behaviour, so no client library."""

from __future__ import annotations

from typing import Any

import requests

from bill_emulator import EmulatorServer


def login(server: EmulatorServer, **overrides: str) -> requests.Response:
    creds = server.config("ap_ar")["credentials"]
    body = {
        "username": creds["username"],
        "password": creds["password"],
        "organizationId": creds["organization_id"],
        "devKey": creds["dev_key"],
        **overrides,
    }
    return requests.post(f"{server.base_url}/v3/login", json=body, timeout=30)


def org_session(server: EmulatorServer, organization_id: str | None = None) -> requests.Session:
    """A requests session carrying devKey and a fresh sessionId, in the main organization or in another
    of the main user's organizations."""
    session = requests.Session()
    session.headers.update(server.login_headers(organization_id))
    return session


def walk(
    session: requests.Session, url: str, params: dict[str, Any] | None = None, cursor: str = "page"
) -> list[dict]:
    """Follow nextPage to the end; fail loudly on a repeated cursor."""
    params = dict(params or {})
    records: list[dict] = []
    seen: set[str] = set()
    while True:
        response = session.get(url, params=params, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["results"])
        token = body.get("nextPage")
        if not token:
            return records
        assert token not in seen, "repeated cursor"
        seen.add(token)
        params[cursor] = token


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key of a JSON value as a dotted path; list items share the path `name[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[]")
    return paths


def assert_bill_error(response: requests.Response, status: int, code: str | None = None) -> dict:
    """The response is BILL's error envelope: a JSON array of {timestamp, code, severity, category, message}."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) >= {"timestamp", "code", "severity", "category", "message"}
    if code:
        assert body[0]["code"] == code, body
    return body[0]
