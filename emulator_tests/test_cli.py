"""`bill-emulator serve` as a user runs it: prints its base URL, writes configs, serves BILL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bill_emulator.cli import main, parser, settings_from

SCRIPT = str(Path(sys.executable).parent / "bill-emulator")


def test_given_serve_with_write_configs_when_started_then_base_url_printed_and_configs_work(tmp_path):
    process = subprocess.Popen(
        [SCRIPT, "serve", "--port", "0", "--scale", "tiny", "--seed", "3", "--write-configs", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/connect")
        while not (tmp_path / "config_spend_expense.json").exists():
            process.stderr.readline()
        configs = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("config_*.json")}
        assert set(configs) == {
            "config_ap_ar.json",
            "config_partner.json",
            "config_oauth.json",
            "config_spend_expense.json",
        }
        assert configs["config_oauth.json"]["base_url"] == base_url
        assert configs["config_oauth.json"]["credentials"]["auth_type"] == "oauth"
        ap_ar = configs["config_ap_ar.json"]
        assert ap_ar["base_url"] == base_url and ap_ar["credentials"]["auth_type"] == "ap_ar"
        creds = ap_ar["credentials"]
        login = requests.post(
            f"{base_url}/v3/login",
            json={
                "username": creds["username"],
                "password": creds["password"],
                "organizationId": creds["organization_id"],
                "devKey": creds["dev_key"],
            },
            timeout=30,
        )
        assert login.status_code == 200
        token = configs["config_spend_expense.json"]["credentials"]["api_token"]
        assert requests.get(f"{base_url}/v3/spend/users/current", headers={"apiToken": token}, timeout=30).ok
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_given_fault_and_limit_flags_when_parsed_then_settings_follow():
    args = parser().parse_args(
        [
            "serve",
            "--fault",
            "error=0.05",
            "--fault",
            "expire-every=25",
            "--limit-status",
            "422",
            "--latency-ms",
            "150",
            "--jitter-ms",
            "20",
            "--window-scale",
            "0.01",
            "--scale",
            "large",
        ]
    )
    settings = settings_from(args)
    assert settings.faults.error_rate == 0.05 and settings.faults.expire_session_every == 25
    assert settings.limits.limit_status == 422 and settings.limits.window_scale == 0.01
    assert settings.latency_ms == 150 and settings.invoice_count == 100_000
    assert settings.oauth_token_seconds == 3600


def test_given_an_oauth_token_lifetime_when_parsed_then_settings_follow():
    args = parser().parse_args(["serve", "--oauth-token-seconds", "90"])
    assert settings_from(args).oauth_token_seconds == 90


def test_given_a_non_positive_oauth_token_lifetime_when_serving_then_clear_error_and_exit_2(capsys):
    assert main(["serve", "--oauth-token-seconds", "0"]) == 2
    assert "--oauth-token-seconds must be positive" in capsys.readouterr().err


def test_given_an_unknown_scale_when_serving_then_clear_error_and_exit_2(capsys):
    assert main(["serve", "--scale", "enormous"]) == 2
    assert "unknown scale 'enormous'" in capsys.readouterr().err


def test_given_organizations_and_org_scale_flags_when_parsed_then_settings_follow():
    settings = settings_from(parser().parse_args(["serve", "--organizations", "5", "--org-scale", "small"]))
    assert settings.organizations == 5 and settings.org_invoice_count == 300


def test_given_no_organizations_flag_when_parsed_then_the_defaults_of_the_settings():
    settings = settings_from(parser().parse_args(["serve"]))
    assert settings.organizations == 2 and settings.org_invoice_count == 40


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--organizations", "0"], "--organizations must be at least 1"),
        (["--org-scale", "huge"], "unknown scale 'huge'"),
    ],
)
def test_given_a_bad_organizations_flag_when_serving_then_clear_error_and_exit_2(capsys, flags, message):
    assert main(["serve", *flags]) == 2
    assert message in capsys.readouterr().err


def test_given_serve_with_organizations_when_started_then_the_config_login_reaches_each_of_them(tmp_path):
    process = subprocess.Popen(
        [SCRIPT, "serve", "--scale", "tiny", "--organizations", "3", "--write-configs", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        while not (tmp_path / "config_spend_expense.json").exists():
            assert process.stderr.readline(), "bill-emulator serve stopped before writing its configs"
        creds = json.loads((tmp_path / "config_ap_ar.json").read_text())["credentials"]
        body = {k: creds[k] for k in ("username", "password")}
        body |= {"organizationId": creds["organization_id"], "devKey": creds["dev_key"]}
        session = requests.post(f"{base_url}/v3/login", json=body, timeout=30).json()["sessionId"]
        headers = {"devKey": creds["dev_key"], "sessionId": session}
        listed = requests.get(f"{base_url}/v3/login/organizations", headers=headers, timeout=30).json()
        assert len(listed["results"]) == 4  # the main organization, 2 client organizations, the console
        for organization in listed["results"]:
            signed_in = requests.post(
                f"{base_url}/v3/login", json={**body, "organizationId": organization["id"]}, timeout=30
            )
            assert signed_in.status_code == 200, signed_in.text
    finally:
        process.terminate()
        process.wait(timeout=30)
