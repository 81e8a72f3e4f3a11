"""Helpers shared by the BILL notebooks: where to connect, masked request logs, tables, connector runs.

Where a notebook connects, in this order:

1. BILL itself, when its credentials are in the environment or in `notebooks/secrets.env`
   (git-ignored, KEY=VALUE lines; the environment wins):

   BILL_ENVIRONMENT          sandbox (the default) or production
   BILL_BASE_URL             optional gateway root replacing the environment's (a proxy)
   BILL_USERNAME             AP/AR: a BILL user's email address ...
   BILL_PASSWORD             ... and password
   BILL_SYNC_TOKEN_NAME      AP/AR: or a sync-token name ...
   BILL_SYNC_TOKEN           ... and the sync token
   BILL_ORGANIZATION_ID      AP/AR: the organization id (008...)
   BILL_DEV_KEY              the developer key (AP/AR; partner notebook: organization-level calls)
   BILL_PARTNER_USERNAME     partner: user name ...
   BILL_PARTNER_PASSWORD     ... password ...
   BILL_APP_KEY              ... and app key
   BILL_API_TOKEN            Spend & Expense: an API token
   BILL_CLIENT_ID            OAuth client credentials: a developer app's client ID ...
   BILL_CLIENT_SECRET        ... and client secret
   BILL_TOKEN_URL            optional: where access tokens are requested (the environment's by default)
   BILL_ALLOW_PRODUCTION_WRITES=yes   lets the notebooks that create records run in production

   `BILL_TARGET=emulator` ignores all of them.
2. The emulator `make lab` started: `BILL_EMULATOR_BASE_URL`, with its configs in
   `BILL_EMULATOR_CONFIG_<AUTH_TYPE>` or `BILL_EMULATOR_CONFIG_DIR`.
3. A new emulator inside the kernel (stopped by `Target.close()` in the notebook's last cell).

Every BILL call goes through `source_bill.client.BillClient` (login, re-login on BDC_1109, retries);
`Api` only records what went over the wire and shows it with secrets masked.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import requests
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
)
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from IPython.display import Markdown, display

from bill_emulator import Emulator, EmulatorServer, EmulatorSettings
from bill_emulator.configs import CONFIG_FILES, connector_config
from source_bill.client import ApArCredentials, BillApiError, BillClient, SessionManager, root_url
from source_bill.client.errors import redact
from source_bill.client.urls import PRODUCTION_ROOT

HERE = Path(__file__).resolve().parent
SECRETS_FILE = HERE / "secrets.env"
SOURCE_BILL = Path(sys.executable).parent / "source-bill"

_SECRET_KEYS = frozenset(
    name.lower()
    for name in (
        "password",
        "devKey",
        "appKey",
        "apiToken",
        "sessionId",
        "dev_key",
        "app_key",
        "api_token",
        "sync_token",
        "client_secret",
        "console_api_token",
        "consoleApiToken",
        "access_token",
        "Authorization",
        "securityKey",  # a webhook subscription's signing key
    )
)
_AUTH_HEADERS = ("devKey", "appKey", "apiToken", "sessionId", "organizationId", "Authorization")
MASK = "****"


# -- masking ----------------------------------------------------------------------------------


class Masker:
    """Hides secrets: values under secret-named keys, and every known secret value anywhere in text
    (with the client's own `redact`)."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        self.secrets.update(v for v in values if isinstance(v, str) and len(v) >= 4)

    def text(self, text: str) -> str:
        return redact(text, self.secrets)

    @staticmethod
    def _secret(key: str, value: Any) -> str:
        """A secret's mask; an Authorization header keeps its scheme (`Bearer ****`)."""
        scheme = str(value).split(" ", 1)[0] if key.lower() == "authorization" and " " in str(value) else ""
        return f"{scheme} {MASK}" if scheme else MASK

    def data(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                k: (self._secret(str(k), v) if str(k).lower() in _SECRET_KEYS and v else self.data(v))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


MASKER = Masker()


def masked(value: Any) -> Any:
    """`value` with every secret replaced by ****."""
    return MASKER.data(value)


def show_json(value: Any, title: str | None = None) -> None:
    """Pretty JSON, secrets masked."""
    heading = f"**{title}**\n\n" if title else ""
    display(Markdown(f"{heading}```json\n{_dumps(masked(value))}\n```"))


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


# -- where to connect ------------------------------------------------------------------------


def load_secrets(path: Path = SECRETS_FILE) -> list[str]:
    """Read KEY=VALUE lines from the git-ignored secrets file into the environment (the environment wins).
    Returns the names read, never the values."""
    if not path.exists():
        return []
    names = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.removeprefix("export ").split("=", 1)
        name, value = name.strip(), value.strip().strip("'\"")
        if name.startswith("BILL_") and value:
            os.environ.setdefault(name, value)
            names.append(name)
    return names


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _real_config(auth_type: str, prefer_sync_token: bool) -> dict[str, Any] | None:
    if auth_type == "ap_ar":
        pairs = [("BILL_USERNAME", "BILL_PASSWORD"), ("BILL_SYNC_TOKEN_NAME", "BILL_SYNC_TOKEN")]
        if prefer_sync_token:
            pairs.reverse()
        login = next(((_env(u), _env(p)) for u, p in pairs if _env(u) and _env(p)), None)
        if not (login and _env("BILL_ORGANIZATION_ID") and _env("BILL_DEV_KEY")):
            return None
        credentials = {
            "auth_type": "ap_ar",
            "username": login[0],
            "password": login[1],
            "organization_id": _env("BILL_ORGANIZATION_ID"),
            "dev_key": _env("BILL_DEV_KEY"),
        }
    elif auth_type == "partner":
        names = ("BILL_PARTNER_USERNAME", "BILL_PARTNER_PASSWORD", "BILL_APP_KEY")
        if not all(_env(n) for n in names):
            return None
        credentials = {
            "auth_type": "partner",
            "username": _env(names[0]),
            "password": _env(names[1]),
            "app_key": _env(names[2]),
        }
    elif auth_type == "spend_expense":
        if not _env("BILL_API_TOKEN"):
            return None
        credentials = {"auth_type": "spend_expense", "api_token": _env("BILL_API_TOKEN")}
    elif auth_type == "oauth":
        if not (_env("BILL_CLIENT_ID") and _env("BILL_CLIENT_SECRET")):
            return None
        credentials = {
            "auth_type": "oauth",
            "client_id": _env("BILL_CLIENT_ID"),
            "client_secret": _env("BILL_CLIENT_SECRET"),
        }
    else:
        raise ValueError(f"unknown auth type {auth_type!r}: ap_ar, partner, spend_expense or oauth")
    config: dict[str, Any] = {
        "credentials": credentials,
        "environment": _env("BILL_ENVIRONMENT") or "sandbox",
    }
    if _env("BILL_BASE_URL"):
        config["base_url"] = _env("BILL_BASE_URL")
    if auth_type == "oauth" and _env("BILL_TOKEN_URL"):
        config["token_url"] = _env("BILL_TOKEN_URL")
    return config


def oauth_config(target: Target) -> dict[str, Any] | None:
    """A connector config with OAuth client credentials for the organization `target` reads: the
    emulator's developer app, or BILL_CLIENT_ID / BILL_CLIENT_SECRET for real BILL (None when unset)."""
    if target.emulator_credentials is None:
        config = _real_config("oauth", prefer_sync_token=False)
    else:
        app = target.emulator_credentials["oauth"]
        config = {
            **{key: value for key, value in target.config.items() if key != "credentials"},
            "credentials": {
                "auth_type": "oauth",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        }
    if config is not None:
        remember_secrets(config)
    return config


@dataclass(repr=False)
class Target:
    """The BILL a notebook talks to, and a connector config for it."""

    auth_type: str
    config: dict[str, Any]
    where: str
    server: EmulatorServer | None = None
    #: The emulator's seeded credentials (an emulator's are not secret); None for real BILL.
    emulator_credentials: dict[str, Any] | None = None

    @property
    def is_emulator(self) -> bool:
        return self.emulator_credentials is not None

    @property
    def is_production(self) -> bool:
        if self.is_emulator:
            return False
        return root_url(self.config.get("environment"), self.config.get("base_url")) == PRODUCTION_ROOT

    @property
    def environment(self) -> str:
        return "emulator" if self.is_emulator else str(self.config.get("environment") or "production")

    @property
    def dev_key(self) -> str:
        """A developer key for organization-level calls."""
        if self.emulator_credentials is not None:
            return str(self.emulator_credentials["ap_ar"]["dev_key"])
        return _env("BILL_DEV_KEY")

    def close(self) -> None:
        """Stop the emulator this notebook started (an emulator from make lab keeps running)."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def _repr_markdown_(self) -> str:
        return f"**Talking to:** {self.where}\n\n```json\n{_dumps(masked(self.config))}\n```"

    def __repr__(self) -> str:  # also what Jupyter saves as the text/plain output: secrets masked
        return f"Target({self.where}, config={masked(self.config)!r})"


def _admin_root(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _lab_config(base_url: str, auth_type: str, credentials: Mapping[str, Any]) -> dict[str, Any]:
    """The config make lab wrote; else (an emulator started by hand) one built by the emulator's own
    config builder from the credentials its admin route reports."""
    folder = _env("BILL_EMULATOR_CONFIG_DIR")
    candidates = [_env(f"BILL_EMULATOR_CONFIG_{auth_type.upper()}")]
    if folder:
        candidates.append(str(Path(folder) / CONFIG_FILES[auth_type]))
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return json.loads(Path(candidate).read_text())
    return connector_config(credentials, base_url, auth_type)


def open_target(
    auth_type: str,
    *,
    writes: bool = False,
    prefer_sync_token: bool = False,
    settings: EmulatorSettings | None = None,
    emulator_only: bool = False,
) -> Target:
    """Real BILL if its credentials are set, else the `make lab` emulator, else a new emulator.

    `writes=True` (the notebook creates records) refuses production unless
    BILL_ALLOW_PRODUCTION_WRITES=yes. `emulator_only=True` skips real BILL (a notebook whose receiver
    runs on this machine, where BILL cannot deliver webhooks).
    """
    if _env("BILL_TARGET").lower() != "emulator" and not emulator_only:
        loaded = load_secrets()
        config = _real_config(auth_type, prefer_sync_token)
        if config is not None:
            target = Target(auth_type, config, f"BILL {config['environment']}")
            if config.get("base_url"):
                target.where += f" through {config['base_url']}"
            if loaded:
                target.where += " (credentials from notebooks/secrets.env)"
            if writes and target.is_production and _env("BILL_ALLOW_PRODUCTION_WRITES").lower() != "yes":
                raise RuntimeError(
                    "This notebook creates records and the credentials are for BILL production. Use sandbox "
                    "credentials, or set BILL_ALLOW_PRODUCTION_WRITES=yes if you really mean it."
                )
            remember_secrets(config)
            return target
    base_url = _env("BILL_EMULATOR_BASE_URL")
    if base_url:
        response = requests.get(f"{_admin_root(base_url)}/_emulator/credentials", timeout=10)
        response.raise_for_status()
        credentials = response.json()
        config = _lab_config(base_url, auth_type, credentials)
        target = Target(
            auth_type, config, f"the emulator started by make lab at {base_url}", None, credentials
        )
    else:
        server = EmulatorServer(Emulator(settings or EmulatorSettings(scale="small"))).start()
        config = server.config(auth_type)
        target = Target(
            auth_type,
            config,
            f"an emulator started in this kernel at {server.base_url}",
            server,
            server.emulator.credentials,
        )
    remember_secrets(config)
    return target


def remember_secrets(config: Mapping[str, Any]) -> None:
    """Mask the secrets of this connector config in everything shown from now on."""
    credentials = config.get("credentials") or {}
    MASKER.add(*(str(v) for k, v in credentials.items() if k.lower() in _SECRET_KEYS))


def run_id() -> str:
    """A short unique suffix for names and numbers of records a notebook creates."""
    return datetime.now(timezone.utc).strftime("%m%d%H%M%S") + secrets.token_hex(2)


# -- BILL calls with a readable log -----------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP request and its response, as sent and received."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int
    reason: str
    response: Any
    milliseconds: float

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        path = parts.path
        if "/v3/" in path:
            path = "/v3/" + path.split("/v3/", 1)[1]
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            # Page cursors are long opaque tokens: show their ends only.
            path += "?" + "&".join(f"{k}={_shorten(v, 0) if len(v) > 40 else v}" for k, v in pairs)
        return path


def _decode(content: bytes | str | None) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    try:
        return json.loads(text)
    except ValueError:
        return text


def _shorten(value: Any, keep: int) -> Any:
    """Lists of results cut to `keep` items; long strings (page tokens) cut in the middle."""
    if isinstance(value, Mapping):
        out = {k: _shorten(v, keep) for k, v in value.items()}
        results = value.get("results")
        if isinstance(results, list) and len(results) > keep:
            out["results"] = [_shorten(r, keep) for r in results[:keep]]
            out["results"].append(f"… {len(results) - keep} more results")
        return out
    if isinstance(value, list):
        return [_shorten(v, keep) for v in value]
    if isinstance(value, str) and len(value) > (80 if keep else 40):
        return f"{value[:24]}…{value[-8:]} ({len(value)} chars)"
    return value


class Api:
    """A `BillClient` whose HTTP exchanges are recorded and shown, secrets masked.

    `Api(config)` builds the client from a connector config; `Api(build=...)` takes a function that
    builds it around the recording `requests.Session` it is given.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        build: Callable[[requests.Session], BillClient] | None = None,
        show_results: int = 2,
    ) -> None:
        self.exchanges: list[Exchange] = []
        self.show_results = show_results
        http = requests.Session()
        http.hooks["response"].append(self._record)
        if build is not None:
            self.client = build(http)
        elif config is not None:
            self.client = BillClient.from_config(config, http=http)
        else:
            raise ValueError("Api needs a config or a build function")
        MASKER.add(*self.client.credentials.secrets)

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = _decode(response.content)
        if isinstance(body, Mapping):
            MASKER.add(
                *(body.get(key) for key in ("sessionId", "access_token") if isinstance(body.get(key), str))
            )
        headers = {k: str(v) for k, v in request.headers.items() if k in _AUTH_HEADERS}
        MASKER.add(headers.get("sessionId"))
        sent = request.body
        if "x-www-form-urlencoded" in str(request.headers.get("Content-Type")) and sent:
            text = sent.decode() if isinstance(sent, bytes) else str(sent)
            sent = json.dumps(dict(parse_qsl(text, keep_blank_values=True)))  # the OAuth token request's form
        self.exchanges.append(
            Exchange(
                method=str(request.method),
                url=str(request.url),
                headers=headers,
                body=_decode(sent),
                status=response.status_code,
                reason=response.reason or "",
                response=body,
                milliseconds=response.elapsed.total_seconds() * 1000,
            )
        )

    # -- calls ------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        expect_error: bool = False,
        show: bool = True,
    ) -> Any:
        """Send one request with `BillClient.request` and show every exchange it took (a login, a
        re-login, a retry). With `expect_error=True` the BILL error is returned, and its absence
        is an AssertionError."""
        start = len(self.exchanges)
        try:
            body = self.client.request(method, path, params=params, json=json, headers=headers)
        except BillApiError as error:
            if show:
                self.show(self.exchanges[start:])
            if expect_error:
                return error
            raise
        if show:
            self.show(self.exchanges[start:])
        if expect_error:
            raise AssertionError(f"{method} {path} was expected to fail but BILL accepted it")
        return body

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def records(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every record of a list (`BillClient.iter_records`: the largest page BILL allows, following
        nextPage). Shows the first page in full and one line per further page."""
        start = len(self.exchanges)
        found = list(self.client.iter_records(path, params))
        exchanges = self.exchanges[start:]
        first = next((i for i, e in enumerate(exchanges) if "/login" not in e.path), 0)
        self.show(exchanges[: first + 1])
        if len(exchanges) > first + 1:
            lines = [
                f"- `{e.method} {e.path}` → {e.status}, {len((e.response or {}).get('results') or [])} results"
                for e in exchanges[first + 1 :]
            ]
            display(Markdown("**Further pages**\n\n" + "\n".join(lines)))
        display(Markdown(f"*{len(found)} records from {path}*"))
        return found

    # -- display ----------------------------------------------------------------------------

    def show(self, exchanges: Iterable[Exchange]) -> None:
        display(Markdown("\n\n".join(self.render(e) for e in exchanges)))

    def render(self, exchange: Exchange) -> str:
        lines = [f"**→ {exchange.method}** `{MASKER.text(exchange.path)}`"]
        if exchange.headers:
            shown = masked(exchange.headers)
            lines.append("headers: " + " ".join(f"`{k}: {v}`" for k, v in shown.items()))
        if exchange.body is not None:
            lines.append(f"```json\n{_dumps(masked(exchange.body))}\n```")
        lines.append(f"**← {exchange.status} {exchange.reason}** · {exchange.milliseconds:.0f} ms")
        if exchange.response is not None:
            shown = masked(_shorten(exchange.response, self.show_results))
            lines.append(f"```json\n{_dumps(shown)}\n```")
        return "\n\n".join(lines)


def events_api(api: Api) -> Api:
    """An `Api` on BILL's webhook API (`…/connect-events`) that signs in with `api`'s session: the
    webhook API takes the same devKey and sessionId headers but has no /v3/login of its own."""
    root = api.client.api_root.removesuffix("/v3").removesuffix("/connect") + "/connect-events"

    def build(http: requests.Session) -> BillClient:
        return BillClient(
            api.client.credentials, base_url=root, http=http, session_manager=api.client.sessions
        )

    return Api(build=build)


def org_api_via_partner(
    partner: Api, organization_id: str, user_id: str, session_id: str, dev_key: str
) -> Api:
    """An organization-level `Api` on a session from POST /v3/partner/login-as-user.

    The client's own session manager keeps the session; when BILL ends it (BDC_1109) the manager
    signs in again through the partner's login-as-user instead of /v3/login.
    """
    first = [session_id]

    def login_as_user() -> str:
        if first:
            return first.pop()
        answer = partner.call(
            "POST", "/v3/partner/login-as-user", json={"userId": user_id, "organizationId": organization_id}
        )
        return str(answer["sessionId"])

    def build(http: requests.Session) -> BillClient:
        credentials = ApArCredentials(
            username=user_id, password="", organization_id=organization_id, dev_key=dev_key
        )
        return BillClient(
            credentials,
            base_url=partner.client.api_root,
            http=http,
            session_manager=SessionManager(login_as_user),
        )

    return Api(build=build)


# -- tables -----------------------------------------------------------------------------------


def table(rows: Iterable[Mapping[str, Any]], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Records as a DataFrame; nested objects become dotted columns (billingAddress.city)."""
    frame = pd.json_normalize(masked(list(rows)))
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    return frame


# -- running the connector (as Airbyte runs it: a program with a config file) ----------------


class ConnectorError(RuntimeError):
    """The connector did not finish, or said nothing."""


def _run_connector(
    verb: str,
    config: Mapping[str, Any],
    *,
    catalog: ConfiguredAirbyteCatalog | None = None,
    state: list[dict[str, Any]] | None = None,
    timeout: float | None = None,
) -> EntrypointOutput:
    timeout = timeout or float(_env("BILL_CONNECTOR_TIMEOUT_SECONDS") or 600)
    with tempfile.TemporaryDirectory(prefix="source-bill-") as folder:
        files = Path(folder)
        config_path = files / "config.json"
        config_path.touch(mode=0o600)
        config_path.write_text(json.dumps(config))
        args = [str(SOURCE_BILL), verb, "--config", str(config_path)]
        if catalog is not None:
            (files / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog)))
            args += ["--catalog", str(files / "catalog.json")]
        if state is not None:
            (files / "state.json").write_text(json.dumps(state))
            args += ["--state", str(files / "state.json")]
        output_path = files / "messages.jsonl"
        with output_path.open("w") as output:
            try:
                done = subprocess.run(
                    args, stdout=output, stderr=subprocess.PIPE, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                raise ConnectorError(
                    f"source-bill {verb} did not finish within {timeout:.0f} s (BILL_CONNECTOR_TIMEOUT_SECONDS)"
                ) from None
        lines = [line for line in output_path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ConnectorError(
            f"source-bill {verb} exited with {done.returncode} and no output: {MASKER.text(done.stderr[-2000:])}"
        )
    return EntrypointOutput(messages=lines, command=[verb], stderr=MASKER.text(done.stderr))


def errors_of(output: EntrypointOutput) -> list[str]:
    """The error messages the connector emitted, secrets masked."""
    return [MASKER.text(str(m.trace.error.message)) for m in output.errors if m.trace and m.trace.error]


def check(config: Mapping[str, Any]) -> AirbyteConnectionStatus:
    """`source-bill check`: sign in and make one real call; shows the connection status."""
    output = _run_connector("check", config)
    statuses = output.connection_status_messages
    if not statuses:
        raise ConnectorError("check emitted no connection status: " + "; ".join(errors_of(output)))
    status = statuses[-1].connectionStatus
    icon = "✅" if status.status.name == "SUCCEEDED" else "❌"
    message = f": {MASKER.text(status.message)}" if status.message else ""
    display(Markdown(f"{icon} **Connection status: {status.status.name}**{message}"))
    return status


def discover(config: Mapping[str, Any]) -> AirbyteCatalog:
    """`source-bill discover`: the streams this config can sync."""
    output = _run_connector("discover", config)
    if output.catalog is None or output.catalog.catalog is None:
        raise ConnectorError("discover emitted no catalog: " + "; ".join(errors_of(output)))
    return output.catalog.catalog


def configure(catalog: AirbyteCatalog, streams: Iterable[str] | None = None) -> ConfiguredAirbyteCatalog:
    """Select streams (all by default): incremental where the stream supports it, else full refresh."""
    wanted = set(streams) if streams is not None else None
    chosen = []
    for stream in catalog.streams:
        if wanted is not None and stream.name not in wanted:
            continue
        incremental = SyncMode.incremental in (stream.supported_sync_modes or [])
        chosen.append(
            ConfiguredAirbyteStream(
                stream=stream,
                sync_mode=SyncMode.incremental if incremental else SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.append_dedup
                if incremental
                else DestinationSyncMode.overwrite,
                cursor_field=stream.default_cursor_field if incremental else None,
                primary_key=stream.source_defined_primary_key,
            )
        )
    if wanted is not None and len(chosen) != len(wanted):
        missing = wanted - {s.stream.name for s in chosen}
        raise ValueError(f"not in the catalog: {', '.join(sorted(missing))}")
    return ConfiguredAirbyteCatalog(streams=chosen)


def catalog_table(catalog: AirbyteCatalog | ConfiguredAirbyteCatalog) -> pd.DataFrame:
    """One row per stream: how it can sync, how it will sync, its cursor and primary key."""
    rows = []
    for entry in catalog.streams:
        stream = entry.stream if isinstance(entry, ConfiguredAirbyteStream) else entry
        configured = entry if isinstance(entry, ConfiguredAirbyteStream) else None
        rows.append(
            {
                "stream": stream.name,
                "supported modes": ", ".join(m.value for m in stream.supported_sync_modes or []),
                "sync mode": configured.sync_mode.value if configured else "",
                "cursor": ".".join(stream.default_cursor_field or []) or "—",
                "primary key": ", ".join(".".join(k) for k in stream.source_defined_primary_key or []) or "—",
            }
        )
    frame = pd.DataFrame(rows)
    if not any(isinstance(e, ConfiguredAirbyteStream) for e in catalog.streams):
        frame = frame.drop(columns=["sync mode"])
    return frame


@dataclass
class SyncResult:
    """What one `source-bill read` emitted."""

    output: EntrypointOutput
    seconds: float
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for message in self.output.records:
            record = message.record
            if record is not None:
                self.records.setdefault(record.stream, []).append(dict(record.data))

    @property
    def state(self) -> list[dict[str, Any]]:
        """The last state message of each stream, ready to pass to the next sync."""
        latest: dict[str, dict[str, Any]] = {}
        for message in self.output.state_messages:
            state = message.state
            if state is None or state.stream is None:
                continue
            latest[state.stream.stream_descriptor.name] = AirbyteStateMessageSerializer.dump(state)
        return list(latest.values())

    def stream_state(self, stream: str) -> dict[str, Any] | None:
        for entry in self.state:
            if entry["stream"]["stream_descriptor"]["name"] == stream:
                return entry["stream"].get("stream_state")
        return None

    @property
    def errors(self) -> list[str]:
        return errors_of(self.output)

    def frame(self, stream: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        return table(self.records.get(stream, []), columns)

    def summary(self, streams: Iterable[str] | None = None) -> pd.DataFrame:
        """Records read and the state saved, per stream."""
        if streams is None:
            named = {entry["stream"]["stream_descriptor"]["name"] for entry in self.state}
            streams = sorted(set(self.records) | named)
        rows = []
        for name in streams:
            state = self.stream_state(name) or {}
            if not state or state.get("__ab_no_cursor_state_message"):
                shown = "— (full refresh: no cursor)"
            else:
                shown = ", ".join(f"{key} = {value}" for key, value in state.items())
            rows.append(
                {"stream": name, "records": len(self.records.get(name, [])), "state after the sync": shown}
            )
        return pd.DataFrame(rows)


def sync(
    config: Mapping[str, Any],
    catalog: ConfiguredAirbyteCatalog,
    state: list[dict[str, Any]] | None = None,
) -> SyncResult:
    """`source-bill read` with a configured catalog and (for an incremental sync) the previous state."""
    started = time.monotonic()
    output = _run_connector("read", config, catalog=catalog, state=state)
    result = SyncResult(output, time.monotonic() - started)
    kind = "incremental sync from the saved state" if state else "first sync"
    total = sum(len(v) for v in result.records.values())
    lines = [f"**{kind}:** {total} records from {len(result.records)} streams in {result.seconds:.1f} s"]
    lines += [f"- ❌ {error}" for error in result.errors]
    display(Markdown("\n".join(lines)))
    return result
