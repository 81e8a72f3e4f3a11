"""Connector configs for a running emulator: a good one per way in and a set of bad ones.

`acceptance-test-config.yml` names these files; the session fixture in conftest.py writes them
into `integration_tests/.emulator/` once the emulator has a port.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bill_emulator import EmulatorServer

FOLDER = Path(__file__).parent / ".emulator"


def _with(config: dict[str, Any], **credentials: str) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    changed["credentials"].update(credentials)
    return changed


def configs_for(server: EmulatorServer) -> dict[str, dict[str, Any]]:
    ap_ar, partner, spend, oauth = (server.config(t) for t in ("ap_ar", "partner", "spend_expense", "oauth"))
    return {
        "config_ap_ar": ap_ar,
        "config_partner": partner,
        "config_spend_expense": spend,
        "config_oauth": oauth,
        "config_ap_ar_console": server.config("ap_ar", console=True),
        # A separate file for the spec section (a CDK 7.39 quirk: a config listed under both spec
        # and basic_read gets --catalog appended to `spec`).
        "spec_config_ap_ar": ap_ar,
        "invalid_password": _with(ap_ar, password="not-the-password"),
        "invalid_dev_key": _with(ap_ar, dev_key="01NotTheDeveloperKey0"),
        "invalid_app_key": _with(partner, app_key="not-the-app-key"),
        "invalid_api_token": _with(spend, api_token="not-the-api-token"),
        "invalid_client_secret": _with(oauth, client_secret="not-the-client-secret-0000"),
    }


def write_configs(server: EmulatorServer, folder: Path = FOLDER) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, config in configs_for(server).items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(config, indent=2) + "\n")
        paths[name] = path
    return paths
