"""Run the emulator over HTTP: in a background thread (tests, notebooks) or in the foreground (CLI)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import uvicorn

from bill_emulator.configs import AUTH_TYPES, CONFIG_FILES
from bill_emulator.emulator import Emulator
from bill_emulator.settings import EmulatorSettings


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class EmulatorServer:
    """An emulator listening on a loopback port."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        settings = emulator.settings
        self._socket = _bind(settings.host, settings.port)
        self.host = settings.host
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            emulator.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="httptools",
            timeout_keep_alive=75,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/connect"

    @property
    def events_base_url(self) -> str:
        """Where the webhook API is served: BILL's `…/connect-events`."""
        return self.base_url.removesuffix("/connect") + "/connect-events"

    def config(
        self, auth_type: str, console: bool = False, organization_id: str | None = None
    ) -> dict[str, Any]:
        """A source-bill config for this emulator; ap_ar: `organization_id` chooses another of the main
        user's organizations (`organization_ids()`), `console=True` the console API token."""
        return self.emulator.connector_config(
            self.base_url, auth_type, console=console, organization_id=organization_id
        )

    def configs(self) -> dict[str, dict[str, Any]]:
        return {auth_type: self.config(auth_type) for auth_type in AUTH_TYPES}

    def write_configs(self, directory: str | Path) -> list[Path]:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for auth_type, name in CONFIG_FILES.items():
            path = folder / name
            path.write_text(json.dumps(self.config(auth_type), indent=2) + "\n")
            written.append(path)
        return written

    def login_headers(self, organization_id: str | None = None) -> dict[str, str]:
        """Sign in over HTTP with the ready-made AP/AR credentials, to the main organization or to
        another of the main user's organizations: the devKey and sessionId headers."""
        creds = self.config("ap_ar", organization_id=organization_id)["credentials"]
        body = {
            "username": creds["username"],
            "password": creds["password"],
            "organizationId": creds["organization_id"],
            "devKey": creds["dev_key"],
        }
        response = requests.post(f"{self.base_url}/v3/login", json=body, timeout=30)
        response.raise_for_status()
        return {"devKey": creds["dev_key"], "sessionId": response.json()["sessionId"]}

    def bearer_headers(self) -> dict[str, str]:
        """Trade the developer app's client credentials for an access token over HTTP: the
        Authorization header that AP/AR and Spend & Expense calls then carry."""
        creds = self.config("oauth")["credentials"]
        form = {
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        }
        response = requests.post(f"{self.base_url}/authx/token", data=form, timeout=30)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def organization_ids(self, console: bool = True) -> list[str]:
        """The main user's organizations in `GET /v3/login/organizations` order (Emulator.organization_ids)."""
        return self.emulator.organization_ids(console=console)

    def console_organization_id(self) -> str | None:
        return self.emulator.console_organization_id()

    def client_organization_ids(self) -> list[str]:
        return self.emulator.client_organization_ids()

    def refuse_sign_in(self, organization_id: str) -> None:
        """The organization loses API access: sign-in there answers 403 BDC_1105 (Emulator.refuse_sign_in)."""
        self.emulator.refuse_sign_in(organization_id)

    def allow_sign_in(self, organization_id: str) -> None:
        self.emulator.allow_sign_in(organization_id)

    def counters(self) -> dict[str, Any]:
        return self.emulator.counters.snapshot()

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self.serve_forever, name="bill-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the BILL emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self.emulator.close()


@contextmanager
def running_emulator(settings: EmulatorSettings | None = None, **overrides: Any) -> Iterator[EmulatorServer]:
    """Start an emulator on a free loopback port for the duration of a `with` block."""
    settings = settings or EmulatorSettings()
    for key, value in overrides.items():
        setattr(settings, key, value)
    server = EmulatorServer(Emulator(settings)).start()
    try:
        yield server
    finally:
        server.stop()
