"""Bad configuration and cloud safety, through the real `source-bill` entry point.

Every bad config ends as Airbyte expects, with a message naming the field or the cause and never a
traceback. What the CDK's entrypoint (airbyte_cdk/entrypoint.py, 7.39) does, and so what the
platform expects:

* `check`: a failed check is an answer, not a crash: a FAILED CONNECTION_STATUS and exit code 0,
  whether the config breaks the spec (the entrypoint's `validate_connection` turns the config_error
  into a CONNECTION_STATUS) or BILL refuses it (`Source.check`).
* `discover` and `read`: a config_error TRACE message and exit code 1 (the CDK leaves the exception
  to its exception hook, which exits 1; `source_bill.run.launch` prints the TRACE itself, without
  the traceback the hook would log).

Each row of the matrix runs in this process through `source_bill.run.run()`, the function behind
the `source-bill` console script, with the config in a file as the platform gives it. A subset runs
as real `source-bill` processes (two at a time; each takes seconds just to import the CDK) for what
only a process shows: the exit code, and nothing but protocol JSON lines on stdout.

The matrix covers every kind of auth: AP/AR with a password or an Accountant Console API token,
partner, Spend & Expense and OAuth client credentials (a wrong secret, an unknown client, a token
endpoint that is unreachable or not BILL's, a malformed token URL).

Cloud safety: with `DEPLOYMENT_MODE=CLOUD`, a base URL that is not HTTPS on one of BILL's gateways (or
an OAuth token URL off BILL's hosts) is refused by check, discover and read before any request (the
emulator's counters stay at zero and no host name is even looked up); off cloud, the emulator on
loopback keeps working.

Nothing here talks to anything but loopback: the unreachable host is a closed loopback port, the
non-BILL servers are `http.server`s on loopback, and in-process runs refuse any other name lookup.
"""

from __future__ import annotations

import copy
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests
from airbyte_cdk.models import AirbyteMessageSerializer, Status

from bill_emulator import EmulatorServer, EmulatorSettings, running_emulator
from source_bill.check import check_connection
from source_bill.client.urls import SANDBOX_ROOT
from source_bill.config import prepare_config
from source_bill.run import run

SOURCE_BILL = Path(sys.executable).parent / "source-bill"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
CLOUD_REFUSAL = "In Airbyte Cloud the base URL must be https:// on one of BILL's gateways"
CATALOG = {
    "streams": [
        {
            "stream": {"name": "vendors", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh",
            "destination_sync_mode": "overwrite",
        }
    ]
}


# -- what a run printed ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """One `source-bill` run: exit code, stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.messages = [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def assert_clean(self) -> None:
        """Only Airbyte protocol messages on stdout, and no Python traceback anywhere."""
        for line in self.stdout.splitlines():
            if line.strip():
                AirbyteMessageSerializer.load(json.loads(line))  # raises unless a protocol message
        assert "Traceback (most recent call last)" not in self.stdout + self.stderr
        assert all("stack_trace" not in (m.get("trace", {}).get("error") or {}) for m in self.messages)

    @property
    def statuses(self) -> list[dict[str, Any]]:
        return [m["connectionStatus"] for m in self.messages if m["type"] == "CONNECTION_STATUS"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [
            m["trace"]["error"]
            for m in self.messages
            if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"
        ]

    def failed_check_message(self) -> str:
        """The message of the run's only CONNECTION_STATUS, which must be FAILED, after exit code 0."""
        assert self.exit_code == 0, self.stdout[-2000:]
        assert not self.errors
        assert len(self.statuses) == 1 and self.statuses[0]["status"] == Status.FAILED.value, self.statuses
        return self.statuses[0]["message"]

    def config_error_message(self) -> str:
        """The message of the run's only error TRACE, which must be a config_error, after exit code 1."""
        assert self.exit_code == 1, self.stdout[-2000:]
        assert not self.statuses
        assert len(self.errors) == 1 and self.errors[0]["failure_type"] == "config_error", self.errors
        return self.errors[0]["message"]


def _args(command: str, folder: Path, config: dict[str, Any] | str) -> list[str]:
    config_path = folder / f"config_{command}.json"
    config_path.write_text(config if isinstance(config, str) else json.dumps(config))
    args = [command, "--config", str(config_path)]
    if command == "read":
        catalog_path = folder / "catalog.json"
        catalog_path.write_text(json.dumps(CATALOG))
        args += ["--catalog", str(catalog_path)]
    return args


def run_in_process(
    capfd: pytest.CaptureFixture[str], folder: Path, command: str, config: dict[str, Any] | str
) -> Outcome:
    """`source-bill <command>` in this process; a `sys.exit` becomes the exit code."""
    argv = ["source-bill", *_args(command, folder, config)]
    capfd.readouterr()
    exit_code: int = 0
    with mock.patch.object(sys, "argv", argv):
        try:
            run()
        except SystemExit as exit_:
            exit_code = int(exit_.code or 0)
    out, err = capfd.readouterr()
    return Outcome(exit_code, out, err)


def run_process(folder: Path, command: str, config: dict[str, Any], env: dict[str, str]) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    environment = {key: value for key, value in os.environ.items() if key != "DEPLOYMENT_MODE"}
    completed = subprocess.run(
        [str(SOURCE_BILL), *_args(command, folder, config)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, **env},
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


# -- servers the bad configs point at -------------------------------------------------------------


class _WebServer(http.server.BaseHTTPRequestHandler):
    """Some other web server: the same HTML page for every request."""

    status = 200
    content_type = "text/html"
    body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


class _OtherJsonApi(_WebServer):
    """Another JSON API: its own 404 error object for BILL's paths."""

    status = 404
    content_type = "application/json"
    body = b'{"error": "Not Found", "status": 404}'


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name=handler.__name__, daemon=True).start()
    return server


def _closed_loopback_port() -> int:
    """A loopback port nothing listens on: bound, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Targets:
    emulator: EmulatorServer
    web_server_url: str
    json_api_url: str
    closed_port: int

    def config(self, auth_type: str = "ap_ar", *, credentials: dict[str, Any] | None = None, **top: Any):
        config = copy.deepcopy(self.emulator.config(auth_type))
        config["credentials"].update(credentials or {})
        config.update(top)
        return config

    def console(self, **credentials: Any) -> dict[str, Any]:
        """The AP/AR config signing in with the Accountant Console API token instead of the password."""
        config = copy.deepcopy(self.emulator.config("ap_ar", console=True))
        config["credentials"].update(credentials)
        return config


@pytest.fixture(scope="module")
def targets() -> Iterator[Targets]:
    # An emulator of this module's own: the session one's configs are files other runs may read, so
    # its counters cannot show that a row sent no request.
    web, api = _serve(_WebServer), _serve(_OtherJsonApi)
    try:
        with running_emulator(EmulatorSettings(scale="tiny", seed=7)) as emulator:
            yield Targets(
                emulator=emulator,
                web_server_url=f"http://127.0.0.1:{web.server_address[1]}/connect",
                json_api_url=f"http://127.0.0.1:{api.server_address[1]}/connect",
                closed_port=_closed_loopback_port(),
            )
    finally:
        for server in (web, api):
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def cloud_emulator() -> Iterator[EmulatorServer]:
    """An emulator only the cloud rows aim at: it must never see a request."""
    with running_emulator(EmulatorSettings(scale="tiny", seed=11)) as server:
        yield server
    assert server.counters()["requests"] == 0


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Host names looked up during the test; any but loopback is refused, so nothing leaves the machine."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        seen.append(name)
        if name not in LOOPBACK_NAMES:
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no lookup of {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return seen


@pytest.fixture
def in_process(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, dict[str, Any] | str], Outcome]:
    # The entrypoint installs its exception hook (and, in cloud mode, its request filter) for good.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(requests.Session, "send", requests.Session.send)
    return lambda command, config: run_in_process(capfd, tmp_path, command, config)


# -- the matrix -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    config: Callable[[Targets], dict[str, Any]]
    expected: tuple[str, ...]
    #: Refused by the config rules alone, before any request: discover and read refuse it too.
    static: bool = False


def _without(config: dict[str, Any], *path: str) -> dict[str, Any]:
    node = config
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return config


CASES = [
    Case(
        "wrong password",
        lambda t: t.config(credentials={"password": "not-the-password"}),
        ("BILL rejected the username and password (BDC_1101)", "Check the username", "password"),
    ),
    Case(
        "wrong developer key",
        lambda t: t.config(credentials={"dev_key": "01NotTheDeveloperKey0"}),
        ("BILL rejected the developer key (BDC_1102)", "Check the developer key"),
    ),
    Case(
        # The emulator has one environment; it plays the sandbox that does not know a production key.
        "production key against the sandbox",
        lambda t: t.config(credentials={"dev_key": "01ProductionOnlyKey00"}, environment="sandbox"),
        ("BILL rejected the developer key (BDC_1102)", "a sandbox key fails in production and the reverse"),
    ),
    Case(
        "organization id of another organization",
        lambda t: t.config(credentials={"organization_id": "00801ZZZZZZZZZZZZZZZ"}),
        ("BILL rejected the username and password (BDC_1101)", "organization ID"),
    ),
    Case(
        "malformed organization id",
        lambda t: t.config(credentials={"organization_id": "ORG-12345"}),
        ("'credentials.organization_id'", "'ORG-12345' is not valid", "008 followed by letters and digits"),
        static=True,
    ),
    Case(
        "missing username",
        lambda t: _without(t.config(), "credentials", "username"),
        ("'credentials.username' is required",),
        static=True,
    ),
    Case(
        "missing credentials",
        lambda t: _without(t.config(), "credentials"),
        ("'credentials' is required",),
        static=True,
    ),
    Case(
        "blank developer key",
        lambda t: t.config(credentials={"dev_key": ""}),
        ("need a non-empty 'dev_key'",),
        static=True,
    ),
    Case(
        "unknown auth_type",
        lambda t: t.config(credentials={"auth_type": "oauth2"}),
        ("unknown credentials.auth_type 'oauth2'", "ap_ar, partner, spend_expense, oauth"),
        static=True,
    ),
    Case(
        "unknown environment",
        lambda t: t.config(environment="staging"),
        ("'environment' must be one of production, sandbox; 'staging' is not",),
        static=True,
    ),
    Case(
        "base_url with a path",
        lambda t: t.config(base_url=t.emulator.base_url + "/api"),
        ("has no BILL sign-in at /v3/login", "BDC_1121", "Base URL override", "ending in /connect"),
    ),
    Case(
        "base_url of BILL's gateway without /connect",
        lambda t: t.config(base_url="https://gateway.prod.bill.com/"),
        ("BILL serves the API under /connect", "https://gateway.prod.bill.com/connect"),
        static=True,
    ),
    Case(
        "base_url inside the API (/v3/...)",
        lambda t: t.config(base_url=t.emulator.base_url + "/v3/vendors"),
        ("points inside the API", "/v3/", "gateway root only"),
        static=True,
    ),
    Case(
        "base_url with a query string",
        lambda t: t.config(base_url=t.emulator.base_url + "?tenant=1"),
        ("must not contain a query string or fragment",),
        static=True,
    ),
    Case(
        "base_url not http(s)",
        lambda t: t.config(base_url="ftp://127.0.0.1/connect"),
        ("'base_url'", "expected: http(s) URL"),
        static=True,
    ),
    Case(
        "unreachable host",
        lambda t: t.config(base_url=f"http://127.0.0.1:{t.closed_port}/connect"),
        ("Could not reach 127.0.0.1:", "the connection failed", "'Base URL override'"),
    ),
    Case(
        "non-BILL server answering HTML",
        lambda t: t.config("spend_expense", base_url=t.web_server_url),
        (
            "did not answer like a BILL API gateway",
            "HTTP 200 to GET /v3/spend/users: an HTML page",
            "Base URL override",
        ),
    ),
    Case(
        "non-BILL server answering JSON",
        lambda t: t.config(base_url=t.json_api_url),
        ("did not answer like a BILL API gateway", "HTTP 404 to POST /v3/login: JSON that is not BILL's"),
    ),
    Case(
        "malformed start_date",
        lambda t: t.config(start_date="2024-13-45"),
        ("start_date '2024-13-45' is not an ISO 8601 date",),
        static=True,
    ),
    Case(
        "start_date that is not a date",
        lambda t: t.config(start_date="last tuesday"),
        ("'start_date': 'last tuesday' is not valid", "YYYY-MM-DD"),
        static=True,
    ),
    Case(
        "future start_date",
        lambda t: t.config(start_date="2999-01-01"),
        ("start_date '2999-01-01", "is in the future"),
        static=True,
    ),
    Case(
        "page size 0",
        lambda t: t.config(page_size=0),
        ("'page_size' must be at least 1; 0 is not",),
        static=True,
    ),
    Case(
        "page size 101",
        lambda t: t.config(page_size=101),
        ("'page_size' must be at most 100; 101 is not",),
        static=True,
    ),
    Case(
        "invalid app key",
        lambda t: t.config("partner", credentials={"app_key": "not-the-app-key"}),
        ("BILL rejected the app key at sign-in (HTTP 401)", "Check the app key", "issued per environment"),
    ),
    Case(
        "wrong partner password",
        lambda t: t.config("partner", credentials={"password": "not-the-partner-password"}),
        ("BILL rejected the partner username and password (BDC_1101)",),
    ),
    Case(
        "invalid API token",
        lambda t: t.config("spend_expense", credentials={"api_token": "not-the-api-token"}),
        ("BILL rejected the Spend & Expense API token (HTTP 401)", "Create a new token"),
    ),
    Case(
        "wrong console API token",
        lambda t: t.console(console_api_token="not-the-console-token"),
        ("BILL rejected the username and Accountant Console API token (BDC_1101)", "console API token"),
    ),
    Case(
        "console API token and password both",
        lambda t: t.console(password="not-needed-password"),
        ("both a 'password' and a 'console_api_token'", "give only one"),
        static=True,
    ),
    Case(
        "neither password nor console API token",
        lambda t: _without(t.config(), "credentials", "password"),
        ("need a 'password'", "'console_api_token'"),
        static=True,
    ),
    Case(
        "OAuth wrong client secret",
        lambda t: t.config("oauth", credentials={"client_secret": "not-the-client-secret-0000"}),
        ("BILL's token endpoint", "rejected the client ID and client secret (HTTP 401)", "invalid_client"),
    ),
    Case(
        "OAuth unknown client id",
        lambda t: t.config("oauth", credentials={"client_id": "not-a-client-id-000000000"}),
        ("rejected the client ID and client secret (HTTP 401)", "developer app", "invalid_client"),
    ),
    Case(
        "OAuth missing client secret",
        lambda t: _without(t.config("oauth"), "credentials", "client_secret"),
        ("'credentials.client_secret' is required",),
        static=True,
    ),
    Case(
        "OAuth blank client id",
        lambda t: t.config("oauth", credentials={"client_id": "  "}),
        ("need a non-empty 'client_id'",),
        static=True,
    ),
    Case(
        "OAuth token endpoint unreachable",
        lambda t: t.config("oauth", token_url=f"http://127.0.0.1:{t.closed_port}/authx/token"),
        ("Could not reach BILL's OAuth token endpoint at 127.0.0.1:", "the connection failed", "'Token URL'"),
    ),
    Case(
        "OAuth token URL of a web server answering HTML",
        lambda t: t.config("oauth", token_url=t.web_server_url + "/authx/token"),
        (
            "did not answer like BILL's OAuth token endpoint",
            "HTTP 200 to POST /connect/authx/token",
            "'Token URL'",
        ),
    ),
    Case(
        "OAuth token URL of another JSON API",
        lambda t: t.config("oauth", token_url=t.json_api_url + "/authx/token"),
        ("did not answer like BILL's OAuth token endpoint", "HTTP 404", "JSON that is not BILL's"),
    ),
    Case(
        "OAuth token URL not http(s)",
        lambda t: t.config("oauth", token_url="ftp://127.0.0.1/authx/token"),
        ("'token_url'", "expected: http(s) URL"),
        static=True,
    ),
    Case(
        "OAuth token URL with a query string",
        lambda t: t.config("oauth", token_url=t.emulator.base_url + "/authx/token?tenant=1"),
        ("The token URL", "must not contain a query string or fragment"),
        static=True,
    ),
]
CASES_BY_NAME = {case.name: case for case in CASES}
STATIC_CASES = [case for case in CASES if case.static]


def _params(cases: list[Case]) -> list[Any]:
    return [pytest.param(case, id=case.name) for case in cases]


def _assert_mentions(message: str, expected: tuple[str, ...]) -> None:
    missing = [fragment for fragment in expected if fragment not in message]
    assert not missing, f"{message!r} lacks {missing}"


def test_given_the_matrix_then_it_covers_every_kind_of_bad_config():
    assert len(CASES) >= 15
    assert len(CASES_BY_NAME) == len(CASES)


@pytest.mark.parametrize("case", _params(CASES))
def test_given_bad_config_when_checking_then_failed_with_a_message_naming_the_cause(
    case, targets, in_process, lookups
):
    requests_before = targets.emulator.counters()["requests"]

    outcome = in_process("check", case.config(targets))

    outcome.assert_clean()
    _assert_mentions(outcome.failed_check_message(), case.expected)
    assert set(lookups) <= LOOPBACK_NAMES
    if case.static:
        assert targets.emulator.counters()["requests"] == requests_before, "refused only after a request"


@pytest.mark.parametrize("command", ["discover", "read"])
@pytest.mark.parametrize("case", _params(STATIC_CASES))
def test_given_bad_config_when_discovering_or_reading_then_config_error_with_the_same_message(
    case, command, targets, in_process
):
    requests_before = targets.emulator.counters()["requests"]

    outcome = in_process(command, case.config(targets))

    outcome.assert_clean()
    _assert_mentions(outcome.config_error_message(), case.expected)
    assert targets.emulator.counters()["requests"] == requests_before


@pytest.mark.parametrize(
    "case",
    _params(
        [
            CASES_BY_NAME[name]
            for name in (
                "wrong password",
                "wrong developer key",
                "wrong console API token",
                "OAuth wrong client secret",
            )
        ]
    ),
)
def test_given_credentials_bill_rejects_when_reading_then_exit_1_with_a_config_error_naming_the_cause(
    case, targets, in_process
):
    outcome = in_process("read", case.config(targets))

    # The read signs in before any stream starts: one config error, no stream fails with a stack trace.
    outcome.assert_clean()
    assert not [m for m in outcome.messages if m["type"] == "RECORD"]
    _assert_mentions(outcome.config_error_message(), case.expected)


def test_given_config_file_that_is_not_json_when_checking_then_config_error_naming_the_file(in_process):
    outcome = in_process("check", '{"credentials": {"auth_type": "ap_ar", "password": "hunter2-secret"')

    outcome.assert_clean()
    assert "Could not read the config file" in outcome.config_error_message()
    assert "hunter2-secret" not in outcome.stdout


def test_given_production_key_against_the_sandbox_gateway_when_checking_then_failed_naming_the_sandbox(
    targets, lookups
):
    """The emulator answers in place of gateway.stage.bill.com: requests for it are routed to loopback."""

    class ToEmulator(requests.adapters.HTTPAdapter):
        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
            request.url = str(request.url).replace(SANDBOX_ROOT, targets.emulator.base_url, 1)
            return super().send(request, *args, **kwargs)

    http = requests.Session()
    http.mount("https://gateway.stage.bill.com/", ToEmulator())
    config = _without(
        targets.config(credentials={"dev_key": "01ProductionOnlyKey00"}, environment="sandbox"), "base_url"
    )

    succeeded, message = check_connection(prepare_config(config), http=http)

    assert not succeeded
    _assert_mentions(
        str(message),
        (
            "BILL rejected the developer key (BDC_1102)",
            "a sandbox key fails in production and the reverse",
            "the sandbox gateway, gateway.stage.bill.com",
        ),
    )
    assert "gateway.stage.bill.com" not in lookups


# -- cloud safety ---------------------------------------------------------------------------------

#: Base URLs Airbyte Cloud must refuse; `{port}` is the cloud emulator's port.
CLOUD_REFUSED = {
    "the emulator over http on loopback": "http://127.0.0.1:{port}/connect",
    "https to the emulator on loopback": "https://localhost:{port}/connect",
    "an IP literal": "https://127.0.0.1:{port}/connect",
    "an IPv6 literal on port 443": "https://[::1]/connect",
    "http to BILL's gateway": "http://gateway.prod.bill.com/connect",
    "the cloud metadata address": "https://169.254.169.254/connect",
    "BILL's gateway name under another domain": "https://gateway.prod.bill.com.evil.example/connect",
    "user info before BILL's gateway": "https://user:secret-pass-1@gateway.prod.bill.com/connect",
    "a backslash before @": "https://127.0.0.1:{port}\\@gateway.prod.bill.com/connect",
    "a port other than 443": "https://gateway.prod.bill.com:8443/connect",
}


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize("base_url", [pytest.param(url, id=name) for name, url in CLOUD_REFUSED.items()])
def test_given_cloud_deployment_and_base_url_off_bills_gateways_when_running_then_refused_before_any_request(
    base_url, command, targets, cloud_emulator, in_process, lookups, monkeypatch
):
    monkeypatch.setenv("DEPLOYMENT_MODE", "CLOUD")
    config = targets.config(base_url=base_url.format(port=cloud_emulator.port))

    outcome = in_process(command, config)

    outcome.assert_clean()
    message = outcome.failed_check_message() if command == "check" else outcome.config_error_message()
    _assert_mentions(message, (CLOUD_REFUSAL, "gateway.prod.bill.com", "Leave 'Base URL override' empty"))
    assert "secret-pass-1" not in outcome.stdout
    assert cloud_emulator.counters()["requests"] == 0
    assert lookups == [], "a host name was looked up: something tried to connect"


#: OAuth token URLs Airbyte Cloud must refuse (the base URL is BILL's gateway); `{port}` as above.
CLOUD_REFUSED_TOKEN_URLS = {
    "the emulator's token endpoint over http": "http://127.0.0.1:{port}/connect/authx/token",
    "https to loopback": "https://localhost:{port}/authx/token",
    "the cloud metadata address": "https://169.254.169.254/latest/api/token",
    "BILL's OAuth host under another domain": "https://auth.prod.bill.com.evil.example/authx/token",
    "user info before BILL's OAuth host": "https://user:secret-pass-2@auth.prod.bill.com/authx/token",
}


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize(
    "token_url", [pytest.param(url, id=name) for name, url in CLOUD_REFUSED_TOKEN_URLS.items()]
)
def test_given_cloud_deployment_and_token_url_off_bills_hosts_when_running_then_refused_before_any_request(
    token_url, command, targets, cloud_emulator, in_process, lookups, monkeypatch
):
    monkeypatch.setenv("DEPLOYMENT_MODE", "CLOUD")
    config = _without(
        targets.config("oauth", token_url=token_url.format(port=cloud_emulator.port)), "base_url"
    )

    outcome = in_process(command, config)

    outcome.assert_clean()
    message = outcome.failed_check_message() if command == "check" else outcome.config_error_message()
    _assert_mentions(
        message, ("In Airbyte Cloud the token URL must be https://", "auth.prod.bill.com", "Token URL")
    )
    assert "secret-pass-2" not in outcome.stdout
    assert cloud_emulator.counters()["requests"] == 0
    assert lookups == [], "a host name was looked up: something tried to connect"


def test_given_no_deployment_mode_when_checking_the_emulator_on_loopback_then_succeeds(targets, in_process):
    outcome = in_process("check", targets.config())

    outcome.assert_clean()
    assert outcome.exit_code == 0
    assert [status["status"] for status in outcome.statuses] == [Status.SUCCEEDED.value]


# -- as processes ---------------------------------------------------------------------------------

#: (command, case or cloud job) run as `source-bill` processes; one per kind of outcome.
PROCESS_CHECKS = ["page size 0", "wrong password", "OAuth wrong client secret"]
PROCESS_DISCOVERS = ["unknown auth_type"]
PROCESS_READS = ["future start_date"]


@pytest.fixture(scope="module")
def processes(targets, cloud_emulator, tmp_path_factory) -> dict[tuple[str, str], Outcome]:
    """Every process of this module, run two at a time; keyed by (command, name)."""
    folder = tmp_path_factory.mktemp("processes")
    cloud = {"DEPLOYMENT_MODE": "CLOUD"}
    jobs: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, str]]] = {}
    for command, names in (
        ("check", PROCESS_CHECKS),
        ("discover", PROCESS_DISCOVERS),
        ("read", PROCESS_READS),
    ):
        for name in names:
            jobs[(command, name)] = (command, CASES_BY_NAME[name].config(targets), {})
    for command in ("check", "discover", "read"):
        jobs[(command, "cloud")] = (command, cloud_emulator.config("ap_ar"), cloud)
    jobs[("check", "off cloud")] = ("check", targets.config(), {})

    def start(key: tuple[str, str]) -> Outcome:
        command, config, env = jobs[key]
        return run_process(folder / f"{key[0]}-{key[1]}".replace(" ", "_"), command, config, env)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(start, jobs), strict=True))


@pytest.mark.parametrize("name", PROCESS_CHECKS)
def test_given_bad_config_when_source_bill_checks_as_a_process_then_exit_0_and_failed_status(name, processes):
    outcome = processes[("check", name)]

    outcome.assert_clean()
    _assert_mentions(outcome.failed_check_message(), CASES_BY_NAME[name].expected)


@pytest.mark.parametrize(
    ("command", "name"),
    [("discover", name) for name in PROCESS_DISCOVERS] + [("read", name) for name in PROCESS_READS],
)
def test_given_bad_config_when_source_bill_discovers_or_reads_as_a_process_then_exit_1_and_config_error(
    command, name, processes
):
    outcome = processes[(command, name)]

    outcome.assert_clean()
    _assert_mentions(outcome.config_error_message(), CASES_BY_NAME[name].expected)


@pytest.mark.parametrize("command", ["check", "discover", "read"])
def test_given_cloud_deployment_when_source_bill_runs_the_loopback_emulator_config_as_a_process_then_refused(
    command, processes, cloud_emulator
):
    outcome = processes[(command, "cloud")]

    outcome.assert_clean()
    message = outcome.failed_check_message() if command == "check" else outcome.config_error_message()
    _assert_mentions(message, (CLOUD_REFUSAL, cloud_emulator.base_url))
    assert cloud_emulator.counters()["requests"] == 0


def test_given_no_deployment_mode_when_source_bill_checks_the_loopback_emulator_as_a_process_then_succeeds(
    processes,
):
    outcome = processes[("check", "off cloud")]

    outcome.assert_clean()
    assert outcome.exit_code == 0
    assert [status["status"] for status in outcome.statuses] == [Status.SUCCEEDED.value]
