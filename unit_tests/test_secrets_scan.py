"""The secrets-scan plugin (`tests_support/secrets_scan.py`) itself: it finds planted leaks on every
channel, never prints the secret, runs last, survives `-m`, skips only when alone, and refuses to
vouch for a run that could not have seen a leak."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from airbyte_cdk.test.entrypoint_wrapper import _run_command

from bill_emulator import EmulatorSettings, running_emulator
from source_bill import SourceBill
from source_bill.client.auth import credentials_from_config
from tests_support.secrets_scan import (
    NAIVE_LIMIT,
    SCAN_KEY,
    Secrets,
    SecretsScan,
    _Matcher,
    config_secrets,
    masked,
    usable,
)

from .integration.config import ORGANIZATION_ID, USERNAME, ConfigBuilder

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
PLUGIN = ("-p", "tests_support.secrets_scan", "-p", "no:cacheprovider")

PASSWORD = "planted-password-0001"
DEV_KEY = "planted-devkey-0002"
URL_PASSWORD = "planted-urlpw-0003"
SESSION = "planted-session-0004"
PLANTED = (PASSWORD, DEV_KEY, URL_PASSWORD, SESSION)

CONFIG = f"""
CONFIG = {{
    "credentials": {{
        "auth_type": "ap_ar",
        "username": "clerk@example.com",
        "password": {PASSWORD!r},
        "organization_id": "00801PLANTED0000001",
        "dev_key": {DEV_KEY!r},
    }},
    "base_url": "https://clerk:{URL_PASSWORD}@gateway.test.bill.example/connect",
}}
"""

SCAN_TEST = """
import pytest


@pytest.mark.secrets_scan
def test_scan(secrets_scan):
    secrets_scan.check()
"""

LEAKS = (
    """
import json
import logging
import subprocess
import sys

import pytest
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from source_bill import SourceBill
from source_bill.client.sessions import SessionManager
"""
    + CONFIG
    + f"""
PASSWORD, DEV_KEY, URL_PASSWORD = {PASSWORD!r}, {DEV_KEY!r}, {URL_PASSWORD!r}


pytestmark = pytest.mark.planted


def test_connector_gets_the_config():
    SourceBill(config=CONFIG)


def test_prints():
    print("password", PASSWORD)


def test_logs():
    logging.getLogger("planted").warning("devKey %s", DEV_KEY)


@pytest.fixture
def noisy():
    yield
    sys.stderr.write(f"teardown {{DEV_KEY}}\\n")


def test_stderr_in_teardown(noisy):
    pass


def test_reads_its_output(capsys):
    print(PASSWORD)
    assert PASSWORD in capsys.readouterr().out


def test_subprocess_run():
    code = f"print({{URL_PASSWORD!r}})"
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_popen_pipe():
    code = f"print({{PASSWORD!r}})"
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as process:
        assert [line for line in process.stdout]


def test_stderr_file(tmp_path):
    code = f"import sys; sys.stderr.write({{DEV_KEY!r}})"
    with open(tmp_path / "err.txt", "w") as err:
        assert subprocess.Popen([sys.executable, "-c", code], stderr=err).wait() == 0


def test_entrypoint_output():
    message = {{"type": "LOG", "log": {{"level": "INFO", "message": CONFIG["base_url"]}}}}
    assert EntrypointOutput(messages=[json.dumps(message)]).logs


def test_session_id():
    session = SessionManager(lambda: {SESSION!r}).session_id()
    logging.getLogger("planted").error("session %s", session)


def test_clean():
    print("nothing to see here")
"""
)


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A fresh pytest project whose subprocess sessions can import the plugin."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    pytester.makeini("[pytest]\nmarkers =\n    planted: the tests that leak on purpose\n")
    pytester.makepyfile(test_a_scan=SCAN_TEST, test_leaks=LEAKS)
    return pytester


def _hits(output: str) -> set[tuple[str, str, str]]:
    """(test, where, field) of each hit line in the scan's failure message."""
    hits = set()
    for line in output.splitlines():
        if line.startswith("  test_leaks.py::") and " | " in line:
            test, where, rest = line.strip().split(" | ", 2)
            hits.add((test.split("::")[1], where, rest.split(" = ")[0]))
    return hits


def test_given_planted_leaks_on_every_channel_then_scan_runs_last_despite_m_and_names_each_masked(inner):
    # One subprocess session (they are slow to start): `-m planted` deselects the scan test, which
    # must come back and run last although its file sorts first.
    result = inner.runpytest_subprocess(*PLUGIN, "-v", "-m", "planted")
    result.assert_outcomes(passed=11, failed=1, deselected=1)
    output = result.stdout.str() + result.stderr.str()
    hits = _hits(output)
    assert {
        ("test_prints", "Captured stdout call", "credentials.password"),
        ("test_logs", "Captured log call", "credentials.dev_key"),
        ("test_stderr_in_teardown", "Captured stderr teardown", "credentials.dev_key"),
        ("test_reads_its_output", "readouterr out", "credentials.password"),
        ("test_subprocess_run", "subprocess stdout", "base_url (URL password)"),
        ("test_popen_pipe", "subprocess stdout", "credentials.password"),
        ("test_stderr_file", "subprocess stderr file", "credentials.dev_key"),
        ("test_entrypoint_output", "connector messages", "base_url (URL password)"),
        ("test_session_id", "Captured log call", "sessionId"),
    } <= hits, output
    assert {test for test, _, _ in hits} == {
        "test_prints",
        "test_logs",
        "test_stderr_in_teardown",
        "test_reads_its_output",
        "test_subprocess_run",
        "test_popen_pipe",
        "test_stderr_file",
        "test_entrypoint_output",
        "test_session_id",
    }, output
    assert output.index("test_a_scan.py::test_scan FAILED") > output.index("test_leaks.py::test_clean PASSED")
    assert "«credentials.password»" in output
    assert not [secret for secret in PLANTED if secret in output]


def _scan(*, capture: str = "fd", full: bool = False) -> SecretsScan:
    """A scan with a stand-in config and no hooks installed."""
    config = SimpleNamespace(
        getoption=lambda name: {"capture": capture, "deselect": None}[name],
        pluginmanager=SimpleNamespace(has_plugin=lambda name: True),
        args_source=pytest.Config.ArgsSource.TESTPATHS if full else pytest.Config.ArgsSource.ARGS,
        option=SimpleNamespace(keyword=""),
    )
    return SecretsScan(config)  # type: ignore[arg-type]


def _run_test(scan: SecretsScan, nodeid: str, printed: str) -> None:
    """What the plugin sees of one test: it starts, prints `printed`, its teardown report arrives."""
    scan.tests_started += 1
    report = pytest.TestReport(nodeid, ("t.py", 0, nodeid), {}, "passed", None, "teardown", sections=[])
    report.sections.append(("Captured stdout call", printed))
    scan.pytest_runtest_logreport(report)


def test_given_no_other_test_then_scan_skips():
    with pytest.raises(pytest.skip.Exception, match="no other test ran"):
        _scan().check()


def test_given_clean_output_then_scan_passes_and_counts():
    scan = _scan()
    scan.secrets.add(PASSWORD, "credentials.password", "config")
    _run_test(scan, "t.py::t", "login ok\nsession started")
    scan.check()
    assert (scan.tests_scanned, scan.tests_with_output, scan.lines, scan.hit_count) == (1, 1, 2, 0)


def test_given_a_leak_then_scan_fails_with_the_line_and_secret_masked():
    scan = _scan()
    scan.secrets.add(PASSWORD, "credentials.password", "config")
    _run_test(scan, "t.py::t", f"ok\nlogin with {PASSWORD} failed\nbye")
    with pytest.raises(pytest.fail.Exception) as failed:
        scan.check()
    message = str(failed.value)
    assert (
        f"t.py::t | Captured stdout call | credentials.password = {masked(PASSWORD)}: "
        "login with «credentials.password» failed"
    ) in message
    assert PASSWORD not in message and masked(PASSWORD) == "pl****** (21 chars)"


def test_given_capture_off_and_nothing_seen_then_scan_refuses_to_vouch():
    scan = _scan(capture="no")
    _run_test(scan, "t.py::t", "")
    with pytest.raises(pytest.fail.Exception, match="cannot vouch") as failed:
        scan.check()
    for problem in ("output capture is off", "no test printed", "no secret value was seen"):
        assert problem in str(failed.value)


def test_given_a_full_run_that_saw_too_little_then_scan_refuses_to_vouch():
    scan = _scan(full=True)
    scan.secrets.add(PASSWORD, "credentials.password", "config")
    _run_test(scan, "t.py::t", "one line")
    with pytest.raises(pytest.fail.Exception, match="cannot vouch") as failed:
        scan.check()
    assert "output from at least 20 tests, saw 1" in str(failed.value)
    assert "at least 6 secret values" in str(failed.value)
    assert "nothing from these hooks: credentials, session, connector" in str(failed.value)


@pytest.mark.parametrize("builder", ["ap_ar", "console", "partner", "spend_expense", "oauth"])
def test_given_each_auth_type_then_spec_secret_fields_hold_every_credentials_secret(builder):
    config = getattr(ConfigBuilder(), builder)().build()
    found = {value for _, value in config_secrets(config)}
    assert set(credentials_from_config(config).secrets) <= found
    assert not found & {USERNAME, ORGANIZATION_ID}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Passw0rd-very-secret", True),
        ("s1", False),
        ("12345", False),
        ("shared", False),
        ("session-1", True),
        ("********", False),
        ("<your developer key>", False),
        ("two\nlines", False),
        (None, False),
    ],
)
def test_given_values_then_only_real_secrets_are_looked_for(value, expected):
    assert usable(value) is expected


def test_given_secrets_then_longest_masked_first() -> None:
    secrets = Secrets()
    secrets.add("abcdefgh", "short", "config")
    secrets.add("abcdefghijkl", "long", "config")
    assert secrets.mask("x abcdefghijkl y abcdefgh") == "x «long» y «short»"


def test_given_the_session_scan_then_each_hook_point_registers_the_secrets_it_sees(request, tmp_path):
    """The real hooks of this session: entrypoint and subprocess `--config` files, credentials
    objects, and the emulator's credentials and sessions."""
    secrets = request.config.stash[SCAN_KEY].secrets

    def config(tag: str) -> dict:
        built = ConfigBuilder().build()
        built["credentials"].update(password=f"hook-{tag}-password", organization_id="00912345")
        return built

    path = tmp_path / "config.json"
    path.write_text(json.dumps(config("entrypoint")))
    _run_command(SourceBill(), ["check", "--config", str(path)])  # fails validation, offline
    path.write_text(json.dumps(config("subprocess")))
    subprocess.run([sys.executable, "-c", "pass", "--config", str(path)], check=True)
    credentials_from_config(
        {"credentials": {"auth_type": "spend_expense", "api_token": "hook-credentials-token"}}
    )
    with running_emulator(EmulatorSettings(scale="tiny", seed=11)) as server:
        session_id = server.login_headers()["sessionId"]
        seeded = server.emulator.credentials
    fields = {value: secrets.field(value) for value in secrets.values()}
    assert fields.get("hook-entrypoint-password") == "credentials.password"
    assert fields.get("hook-subprocess-password") == "credentials.password"
    assert fields.get("hook-credentials-token") == "credentials.api_token"
    assert fields.get(session_id) == "sessionId (issued by the emulator)"
    assert fields.get(seeded["ap_ar"]["sync_token"], "").startswith("emulator credentials ap_ar.sync_token")
    assert fields.get(seeded["partner"]["app_key"], "").startswith("emulator credentials partner.app_key")


@pytest.mark.parametrize("count", [NAIVE_LIMIT // 2, NAIVE_LIMIT * 3])
def test_given_many_secrets_then_matcher_finds_exactly_what_str_find_finds(count):
    rng = random.Random(count)
    alphabet = string.ascii_letters + string.digits + "_-"
    secrets = [
        "".join(rng.choice(alphabet) for _ in range(rng.choice((8, 9, 12, 20, 40)))) for _ in range(count)
    ] + ["p@ss word 1", "ümlaut-secret-1"]
    planted = [*rng.sample(secrets[:-2], 10), *secrets[-2:]]
    words = ["id", "updatedTime", "x" * 50, "%22", "ä", "\n", '"', " ", "sessionId=", "Bearer ", ""]
    pieces = []
    for secret in planted:  # alone, glued to other token characters, inside URL-encoding, ...
        pieces += [rng.choice(words), rng.choice(("", "ab", "22", "-", "é")), secret, rng.choice(words)]
    text = "".join(pieces) + " " + secrets[0][:-1] + " " + secrets[1][1:]  # near misses
    matcher = _Matcher(tuple(secrets))
    assert matcher.found(text) == {secret for secret in secrets if secret in text} >= set(planted)
    assert bool(matcher.heads) is (count > NAIVE_LIMIT)
