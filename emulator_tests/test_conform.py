"""`bill-emulator conform` pointed at emulators standing in for BILL: one answering as documented (every
probe agrees), and ones altered one rule at a time, by a deviation knob or by a small proxy in this
file that rewrites the emulator's answers, so each probe is shown able to fail. Reports and output
carry no secret."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from bill_emulator import Deviations, EmulatorServer, EmulatorSettings, running_emulator
from bill_emulator.cli import main
from bill_emulator.conform import run_conform
from bill_emulator.conform.report import Report

SCRIPT = str(Path(sys.executable).parent / "bill-emulator")
SECRET_KEYS = ("password", "console_api_token", "dev_key", "app_key", "api_token", "client_secret")


def _reset_limits(server: EmulatorServer) -> None:
    """Zero the emulator's limit windows (S&E allows 60 calls a minute; tests run conform often)."""
    requests.post(
        f"http://{server.host}:{server.port}/_emulator/counters/reset", timeout=30
    ).raise_for_status()


@pytest.fixture(scope="module")
def reference() -> Iterator[EmulatorServer]:
    """The emulator conform compares with: default settings, as the command starts it."""
    with running_emulator(EmulatorSettings()) as server:
        yield server


@pytest.fixture(scope="module")
def bill() -> Iterator[EmulatorServer]:
    """The BILL under test: other data (seed, scale) than the reference, answering as documented."""
    with running_emulator(EmulatorSettings(scale="tiny", seed=11)) as server:
        yield server


@pytest.fixture
def knobs(bill: EmulatorServer) -> Iterator[Deviations]:
    bill.emulator.settings.deviations = Deviations()
    yield bill.emulator.settings.deviations
    bill.emulator.settings.deviations = Deviations()


def conform(
    config: dict[str, Any], reference: EmulatorServer, *upstreams: EmulatorServer, **kwargs: Any
) -> Report:
    for server in (reference, *upstreams):
        _reset_limits(server)
    return run_conform(config, reference=reference, **kwargs)


def statuses(report: Report) -> dict[str, str]:
    return {verdict.probe.name: verdict.status for verdict in report.verdicts}


def differing(report: Report) -> set[str]:
    return {name for name, status in statuses(report).items() if status == "differ"}


def verdict(report: Report, name: str) -> Any:
    return next(v for v in report.verdicts if v.probe.name == name)


# -- a proxy that changes one rule of the emulator's answers (test-only) -------------------------
@dataclass
class Exchange:
    """One request through the proxy and, once forwarded, its answer; hooks may change either."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    status: int = 0
    body: Any = None  # parsed JSON, or None when the answer is not JSON
    raw: bytes = b""

    @property
    def filters(self) -> str:
        return dict(self.params).get("filters", "")

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The records of a list answer (none for anything else)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("results"), list):
            return self.body["results"]
        return []


Hook = Callable[[Exchange], None]


@dataclass
class AlteringProxy:
    """A loopback HTTP proxy in front of an emulator: `before` may rewrite a request, `after` its answer."""

    upstream: EmulatorServer
    before: Hook | None = None
    after: Hook | None = None
    seen: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy.relay(self, "GET")

            def do_POST(self) -> None:
                proxy.relay(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/connect"

    def config(self, auth_type: str) -> dict[str, Any]:
        return {**self.upstream.config(auth_type), "base_url": self.base_url}

    def relay(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        data = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")}
        exchange = Exchange(method, parts.path, parse_qsl(parts.query, keep_blank_values=True), headers)
        if self.before:
            self.before(exchange)
        url = f"http://{self.upstream.host}:{self.upstream.port}{exchange.path}"
        if exchange.params:
            url += "?" + urlencode(exchange.params)
        answer = requests.request(method, url, headers=exchange.headers, data=data, timeout=30)
        exchange.status, exchange.raw = answer.status_code, answer.content
        try:
            exchange.body = answer.json()
        except ValueError:
            exchange.body = None
        if self.after:
            self.after(exchange)
        self.seen.append(exchange)
        payload = json.dumps(exchange.body).encode() if exchange.body is not None else exchange.raw
        handler.send_response(exchange.status)
        handler.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        for name in ("Cache-Control", "Pragma"):
            if name in answer.headers:
                handler.send_header(name, answer.headers[name])
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy(bill: EmulatorServer) -> Iterator[Callable[..., AlteringProxy]]:
    opened: list[AlteringProxy] = []

    def open_proxy(before: Hook | None = None, after: Hook | None = None) -> AlteringProxy:
        opened.append(AlteringProxy(bill, before, after))
        return opened[-1]

    yield open_proxy
    for item in opened:
        item.close()


# -- the alterations: each breaks one rule the emulator assumes ----------------------------------
def reverse_unsorted_lists(x: Exchange) -> None:
    if x.rows and "sort" not in dict(x.params):
        x.body["results"] = x.rows[::-1]


def lte_acts_as_lt(x: Exchange) -> None:
    x.params = [
        (k, v.replace("updatedTime:lte:", "updatedTime:lt:") if k == "filters" else v) for k, v in x.params
    ]


def null_instead_of_omitted(x: Exchange) -> None:
    if isinstance(x.body, dict) and "results" in x.body:
        x.body.setdefault("nextPage", None)
        x.body.setdefault("prevPage", None)


def invoices_without_due_amount(x: Exchange) -> None:
    if x.path.endswith("/v3/invoices"):
        for row in x.rows:
            row.pop("dueAmount", None)


def customers_email_renamed(x: Exchange) -> None:
    if x.path.endswith("/v3/customers"):
        for row in x.rows:
            row["emailAddress"] = row.pop("email", None)


def other_invalid_parameter_code(x: Exchange) -> None:
    if isinstance(x.body, list):
        for error in x.body:
            if error.get("code") == "BDC_1116":
                error["code"] = "BDC_1199"


def archived_left_out(x: Exchange) -> None:
    if x.rows and "archived" not in x.filters:
        x.body["results"] = [row for row in x.rows if not row.get("archived")]


def times_in_zulu(x: Exchange) -> None:
    for row in x.rows:
        for key in ("createdTime", "updatedTime"):
            if isinstance(row.get(key), str):
                row[key] = row[key].replace("+00:00", "Z")


def vendor_ids_prefixed(x: Exchange) -> None:
    if x.path.endswith("/v3/vendors"):
        for row in x.rows:
            row["id"] = "vnd-" + row["id"]


def login_without_trusted(x: Exchange) -> None:
    if x.path.endswith("/v3/login") and isinstance(x.body, dict):
        x.body.pop("trusted", None)


def login_organizations_renamed(x: Exchange) -> None:
    if x.path.endswith("/v3/login/organizations") and isinstance(x.body, dict):
        for entry in x.body.get("results") or []:
            entry["organizationId"] = entry.pop("id")


def invalid_session_forbidden(x: Exchange) -> None:
    if x.status == 401:
        x.status = 403


def date_only_filters_refused(x: Exchange) -> None:
    if '"' in x.filters and any(len(part) == 10 for part in x.filters.split('"')[1::2]):
        x.status = 400
        x.body = [
            {"timestamp": "", "code": "BDC_1116", "severity": "ERROR", "category": "REQUEST", "message": "x"}
        ]


def spend_missing_token_unauthorized(x: Exchange) -> None:
    if x.path.endswith("/spend/users/current") and x.status == 400:
        x.status = 401


def spend_page_taken_as_cursor(x: Exchange) -> None:
    if "/spend/" in x.path:
        x.params = [("nextPage" if k == "page" else k, v) for k, v in x.params]


ALTERATIONS = [
    # (test id, auth type, before, after, the probe that must differ)
    ("a different default order", "ap_ar", None, reverse_unsorted_lists, "default_order"),
    ("lte exclusive", "ap_ar", lte_acts_as_lt, None, "updated_time_bounds"),
    ("null instead of omitted page keys", "ap_ar", None, null_instead_of_omitted, "list_envelope"),
    ("an omitted record key", "ap_ar", None, invoices_without_due_amount, "fields.invoices"),
    ("a field renamed", "ap_ar", None, customers_email_renamed, "fields.customers"),
    ("an error code changed", "ap_ar", None, other_invalid_parameter_code, "error_envelopes"),
    ("archived records left out", "ap_ar", None, archived_left_out, "archived_in_lists"),
    ("timestamps in Z", "ap_ar", None, times_in_zulu, "timestamp_format"),
    ("ids of another format", "ap_ar", None, vendor_ids_prefixed, "id_format"),
    ("a sign-in key missing", "ap_ar", None, login_without_trusted, "sign_in"),
    ("an invalid session forbidden", "ap_ar", None, invalid_session_forbidden, "credential_errors"),
    ("login organizations' ids renamed", "ap_ar", None, login_organizations_renamed, "login_organizations"),
    ("date-only filters refused", "ap_ar", None, date_only_filters_refused, "updated_time_formats"),
    ("no S&E token unauthorized", "spend_expense", None, spend_missing_token_unauthorized, "spend_token"),
    ("S&E page= taken as the cursor", "spend_expense", spend_page_taken_as_cursor, None, "spend_pagination"),
]


# -- scenarios ---------------------------------------------------------------------------------
@pytest.mark.parametrize("auth_type", ["ap_ar", "oauth", "spend_expense", "partner"])
def test_given_the_emulator_when_conformed_then_every_probe_agrees(reference, bill, knobs, auth_type):
    report = conform(bill.config(auth_type), reference, bill)

    skipped = {name: v.detail for v in report.verdicts if (name := v.probe.name) and v.status == "skipped"}
    if auth_type == "partner":  # the seed archives no organization
        assert set(skipped) == {"archived_in_lists"} and "no archived records" in skipped["archived_in_lists"]
    else:
        assert not skipped
    assert not differing(report), [v.detail for v in report.verdicts if v.status == "differ"]
    assert report.exit_code == 0
    assert 0 < report.requests <= 60
    assert report.requests == report.emulator_requests


def test_given_an_accountant_console_token_when_conformed_then_every_probe_agrees(reference, bill, knobs):
    report = conform(bill.config("ap_ar", console=True), reference, bill)

    assert set(statuses(report).values()) == {"agree"} and report.exit_code == 0
    assert verdict(report, "sign_in").bill.notes["signed in with"] == "an Accountant Console API token"


@pytest.mark.parametrize(
    ("knob", "value", "probes"),
    [
        ("ignore_sort", True, {"sort_by_time"}),
        ("max_cap", 37, {"page_size"}),
        ("filter_seconds", True, {"updated_time_bounds", "updated_time_formats"}),
        ("trailing_next_page", True, {"list_envelope", "login_organizations"}),
    ],
)
def test_given_a_deviation_knob_when_conformed_then_its_probe_differs(
    reference, bill, knobs, knob, value, probes
):
    setattr(knobs, knob, value)

    report = conform(bill.config("ap_ar"), reference, bill)

    assert differing(report) == probes
    assert report.exit_code == 1


def test_given_trailing_next_page_when_conformed_then_the_empty_page_with_a_token_is_reported(
    reference, bill, knobs
):
    knobs.trailing_next_page = True

    found = verdict(conform(bill.config("ap_ar"), reference, bill), "list_envelope")

    assert (
        found.bill.facts["the last page's nextPage leads to"] == "an empty page with the same nextPage again"
    )
    assert found.bill.facts["last page"]["nextPage"] == "a token"
    assert found.emulator.facts["last page"]["nextPage"] == "omitted"


def test_given_max_cap_when_conformed_then_page_size_names_the_cap(reference, bill, knobs):
    knobs.max_cap = 37

    found = verdict(conform(bill.config("ap_ar"), reference, bill), "page_size")

    assert found.bill.facts["max=100"] == "capped: 37 records and a nextPage"
    assert found.emulator.facts["max=100"] == "honoured"


def _same_second_inverted(server: EmulatorServer) -> None:
    """Edit three invoices 1 ms apart within one second, the later edits on the lower ids, so an order
    to the second (ties by id) and an order to the millisecond disagree."""
    headers = server.login_headers()
    url = f"{server.base_url}/v3/invoices"
    ids = sorted(
        (
            row["id"]
            for row in requests.get(url, params={"max": 100}, headers=headers, timeout=30).json()["results"]
        ),
        reverse=True,
    )
    for attempt in range(5):
        server.emulator.advance_clock(0.5)
        times = []
        for invoice_id in ids[3 * attempt : 3 * attempt + 3]:
            server.emulator.advance_clock(0.001)
            answer = requests.patch(
                f"{url}/{invoice_id}", json={"description": "edited"}, headers=headers, timeout=30
            )
            answer.raise_for_status()
            times.append(answer.json()["updatedTime"])
        if len({time[:19] for time in times}) == 1:
            return
    raise AssertionError("could not edit three invoices within one second")


def test_given_sort_seconds_and_records_sharing_a_second_when_conformed_then_sort_differs(reference):
    with running_emulator(EmulatorSettings(scale="tiny", seed=11, fake_clock=True)) as server:
        _same_second_inverted(server)
        documented = conform(server.config("ap_ar"), reference, server)
        server.emulator.settings.deviations.sort_seconds = True
        deviating = conform(server.config("ap_ar"), reference, server)

    assert verdict(documented, "sort_by_time").status == "agree"
    assert verdict(documented, "sort_by_time").bill.notes["neighbours within one second"] >= 2
    assert differing(deviating) == {"sort_by_time"} and deviating.exit_code == 1
    assert verdict(deviating, "sort_by_time").bill.facts["sort=updatedTime:asc"] == (
        "by updatedTime to the second, records within one second by id"
    )


def test_given_sort_seconds_without_records_sharing_a_second_when_conformed_then_sort_agrees_and_says_so(
    reference, bill, knobs
):
    knobs.sort_seconds = True

    found = verdict(conform(bill.config("ap_ar"), reference, bill), "sort_by_time")

    assert found.status == "agree"
    assert "could not be told apart" in found.bill.notes["second precision"]


@pytest.mark.parametrize(
    ("auth_type", "before", "after", "probe"),
    [pytest.param(*row[1:], id=row[0]) for row in ALTERATIONS],
)
def test_given_an_altered_answer_when_conformed_then_the_matching_probe_differs(
    reference, bill, knobs, proxy, auth_type, before, after, probe
):
    altered = proxy(before, after)

    report = conform(altered.config(auth_type), reference, bill)

    assert statuses(report)[probe] == "differ", verdict(report, probe).detail
    assert report.exit_code == 1


def test_given_every_probe_when_altered_then_each_has_been_shown_to_fail(reference):
    """Every probe of every auth type is made to differ by a knob or an alteration above."""
    shown = {row[-1] for row in ALTERATIONS} | {
        "sort_by_time",
        "page_size",
        "updated_time_bounds",
        "updated_time_formats",
        "list_envelope",
    }
    from bill_emulator.conform.probes import PROBES

    general = {probe.name for probe in PROBES if probe.group is None}
    assert general <= shown
    # The field probes share one comparison (compare_fields), shown to fail for invoices and customers.
    assert {probe.group for probe in PROBES if probe.group} == {"fields"}


def test_given_a_probe_selection_when_conformed_then_only_those_run(reference, bill, knobs):
    report = conform(bill.config("ap_ar"), reference, bill, probes=["page_size", "fields"])

    names = list(statuses(report))
    assert names[0] == "page_size" and all(name.startswith("fields.") for name in names[1:])
    assert len(names) == 23


# -- secrets and the command line ----------------------------------------------------------------
@pytest.mark.parametrize("auth_type", ["ap_ar", "oauth", "spend_expense", "partner"])
def test_given_a_config_when_conformed_then_no_secret_is_in_the_report_or_output(
    reference, bill, knobs, proxy, tmp_path, capsys, auth_type
):
    watched = proxy()
    config = watched.config(auth_type)
    (tmp_path / "config.json").write_text(json.dumps(config))
    _reset_limits(reference)
    _reset_limits(bill)

    code = main(
        ["conform", "--config", str(tmp_path / "config.json"), "--report", str(tmp_path / "report.json")]
    )

    out = capsys.readouterr()
    issued = [
        value
        for exchange in watched.seen
        if isinstance(exchange.body, dict)
        for value in (exchange.body.get("sessionId"), exchange.body.get("access_token"))
        if value
    ]
    secrets = [value for key, value in config["credentials"].items() if key in SECRET_KEYS] + issued
    assert secrets and (auth_type == "spend_expense" or issued)
    written = (tmp_path / "report.json").read_text()
    for secret in secrets:
        assert secret not in written and secret not in out.out and secret not in out.err
    private = [config["credentials"].get(key) for key in ("username", "organization_id", "client_id")]
    for value in filter(None, private):
        assert value not in written and value not in out.out
    assert code == 0
    report = json.loads(written)
    assert report["summary"]["differ"] == 0 and report["requests"] <= 60
    for probe in report["probes"]:
        assert set(probe) == {"name", "status", "detail", "assumption", "docs", "bill", "emulator"}
        assert probe["docs"].startswith("docs/emulator.md#")
    assert "requests to BILL" in out.out


def test_given_the_command_line_when_conformed_then_table_report_and_exit_zero(bill, tmp_path):
    _reset_limits(bill)
    config, report = tmp_path / "config.json", tmp_path / "report.json"
    config.write_text(json.dumps(bill.config("ap_ar")))

    done = subprocess.run(
        [SCRIPT, "conform", "--config", str(config), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["probe", "status", "detail"]
    assert any(line.startswith("list_envelope") and " agree " in line for line in lines)
    assert "0 differ" in done.stdout and "requests to BILL" in done.stdout
    written = json.loads(report.read_text())
    assert {p["status"] for p in written["probes"]} == {"agree"}
    assert written["requests"] == written["emulator_requests"] <= 60


def test_given_a_bad_config_file_when_conformed_then_exit_two_with_one_line_and_no_traceback(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"credentials": {"auth_type": "ap_ar", "username": "u"')

    done = subprocess.run(
        [SCRIPT, "conform", "--config", str(config)], capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "is not JSON" in done.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda c: c["credentials"].update(auth_type="magic"),
            "Unknown credentials.auth_type",
            id="auth type",
        ),
        pytest.param(
            lambda c: c["credentials"].pop("dev_key"), "need a non-empty 'dev_key'", id="no dev key"
        ),
        pytest.param(lambda c: c.update(environment="staging"), "Unknown environment", id="environment"),
        pytest.param(lambda c: c.update(base_url="ftp://example.com"), "not an http(s) URL", id="base url"),
        pytest.param(
            lambda c: c["credentials"].update(password="wrong-password"),
            "refused (HTTP 400 BDC_1101",
            id="wrong password",
        ),
    ],
)
def test_given_an_unusable_config_when_conformed_then_exit_two_with_a_clear_line(
    bill, tmp_path, capsys, change, expected
):
    config = bill.config("ap_ar")
    secrets = [config["credentials"]["dev_key"], config["credentials"]["password"]]
    change(config)
    (tmp_path / "config.json").write_text(json.dumps(config))

    code = main(["conform", "--config", str(tmp_path / "config.json")])

    err = capsys.readouterr().err
    assert code == 2 and expected in err and err.count("\n") == 1
    assert not any(secret in err for secret in secrets)


def test_given_allow_sandbox_writes_when_conformed_then_refused_as_there_are_no_write_probes(
    tmp_path, capsys
):
    (tmp_path / "config.json").write_text("{}")

    code = main(["conform", "--config", str(tmp_path / "config.json"), "--allow-sandbox-writes"])

    assert code == 2 and "no write probes" in capsys.readouterr().err


def test_given_an_unknown_probe_name_when_conformed_then_exit_two_listing_the_probes(bill, tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps(bill.config("ap_ar")))

    assert main(["conform", "--config", str(tmp_path / "config.json"), "--probes", "nosuch"]) == 2
    assert "Unknown probe(s) nosuch; known:" in capsys.readouterr().err
    assert main(["conform", "--config", str(tmp_path / "config.json"), "--probes", "spend_token"]) == 2
    assert "do not apply to this config's auth type" in capsys.readouterr().err


def test_given_a_run_when_conformed_then_only_gets_and_the_sign_in_post_reach_bill(
    reference, bill, knobs, proxy
):
    watched = proxy()

    conform(watched.config("oauth"), reference, bill)
    conform(watched.config("ap_ar"), reference, bill)

    posts = [(x.method, x.path) for x in watched.seen if x.method != "GET"]
    assert posts == [("POST", "/connect/authx/token"), ("POST", "/connect/v3/login")]


def test_given_usage_errors_when_conformed_then_exit_two_with_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["conform"])
    missing = capsys.readouterr().err
    assert stopped.value.code == 2 and missing.count("\n") == 1 and "--config" in missing

    assert main(["conform", "--config", "config.json", "--bogus"]) == 2
    unknown = capsys.readouterr().err
    assert unknown.count("\n") == 1 and "unrecognized arguments: --bogus" in unknown
