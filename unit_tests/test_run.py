"""The `source-bill` entry point, as the platform runs it: a process, files, JSON lines on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from source_bill.run import run
from unit_tests.integration.config import SECRETS, ConfigBuilder

REPO = Path(__file__).resolve().parents[1]


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _run(capfd: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    """`run()` in this process with the given command line; what it wrote to stdout, parsed."""
    capfd.readouterr()
    with mock.patch.object(sys, "argv", ["source-bill", *args]):
        run()
    return _lines(capfd.readouterr().out)


def test_given_spec_command_in_a_process_then_one_spec_message():
    result = subprocess.run(
        [sys.executable, "-m", "source_bill.run", "spec"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    specs = [m for m in _lines(result.stdout) if m["type"] == "SPEC"]
    assert len(specs) == 1
    assert "credentials" in specs[0]["spec"]["connectionSpecification"]["properties"]


def test_given_discover_command_then_streams_of_the_configured_auth_type(tmp_path, capfd):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(ConfigBuilder().partner().build()))
    catalogs = [m for m in _run(capfd, "discover", "--config", str(config)) if m["type"] == "CATALOG"]
    assert {s["name"] for s in catalogs[0]["catalog"]["streams"]} == {
        "organizations",
        "partner_users",
        "partner_roles",
    }


def test_given_unreachable_host_when_check_command_then_failed_status_without_traceback_or_secret(
    tmp_path, capfd
):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(ConfigBuilder().with_base_url("http://127.0.0.1:9/connect").build()))
    messages = _run(capfd, "check", "--config", str(config))
    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert statuses and statuses[0]["status"] == "FAILED"
    assert "Could not reach 127.0.0.1:9" in statuses[0]["message"]
    text = json.dumps(messages)
    assert "Traceback" not in text
    assert not any(secret in text for secret in SECRETS)


def test_given_config_breaking_the_spec_when_read_command_then_sanitized_config_error(tmp_path, capfd):
    config = ConfigBuilder().build()
    config["credentials"]["organization_id"] = "00912345"  # does not start with 008
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    catalog = tmp_path / "catalog.json"
    stream = {"name": "vendors", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog.write_text(
        json.dumps(
            {
                "streams": [
                    {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                ]
            }
        )
    )
    # A config error ends in a sanitized TRACE (without traceback) and exit code 1.
    with pytest.raises(SystemExit) as raised:
        _run(capfd, "read", "--config", str(config_path), "--catalog", str(catalog))
    assert raised.value.code == 1
    printed = capfd.readouterr().out
    traces = [m["trace"]["error"] for m in _lines(printed) if m["type"] == "TRACE"]
    assert len(traces) == 1 and traces[0]["failure_type"] == "config_error"
    assert "credentials.organization_id" in traces[0]["message"]
    assert "Traceback" not in printed
    assert not any(secret in printed for secret in SECRETS)
