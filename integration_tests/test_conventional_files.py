"""The conventional files of an Airbyte connector in `integration_tests/`, each put to use against the
emulator through the `source-bill` console script, as the platform runs it.

* configured_catalog.json: every AP/AR stream, incremental where the stream supports it.
* sample_config.json: the AP/AR config shape, placeholders only; valid against spec.yaml.
* invalid_config.json: `check` reports FAILED with an actionable message, no traceback.
* abnormal_state.json: cursors far in the future; incremental streams return nothing, without error.
* sample_state.json: a saved state; only records at or after its cursors come back.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bill_emulator import EmulatorServer
from integration_tests.test_sync import AP_AR_KINDS, expected_ids

HERE = Path(__file__).parent
SOURCE_BILL = Path(sys.executable).parent / "source-bill"


def _load(name: str) -> Any:
    return json.loads((HERE / name).read_text())


def _write(folder: Path, name: str, content: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(content, indent=2))
    return path


def _run(*args: str, cwd: Path) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
    completed = subprocess.run(
        [str(SOURCE_BILL), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    return messages, completed


def _of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] == kind]


def _errors(messages: list[dict[str, Any]]) -> list[str]:
    traces = [message["trace"] for message in _of_type(messages, "TRACE")]
    return [trace["error"]["message"] for trace in traces if trace["type"] == "ERROR"]


def _records(messages: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in _of_type(messages, "RECORD"):
        records[message["record"]["stream"]].append(message["record"]["data"])
    return dict(records)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _state_cursors(state: list[dict[str, Any]]) -> dict[str, datetime]:
    return {
        entry["stream"]["stream_descriptor"]["name"]: _instant(entry["stream"]["stream_state"]["updatedTime"])
        for entry in state
    }


def _catalog_for(streams: set[str]) -> dict[str, Any]:
    catalog = _load("configured_catalog.json")
    return {"streams": [entry for entry in catalog["streams"] if entry["stream"]["name"] in streams]}


def _incremental_streams() -> set[str]:
    catalog = _load("configured_catalog.json")
    return {entry["stream"]["name"] for entry in catalog["streams"] if entry["sync_mode"] == "incremental"}


@pytest.fixture(scope="module")
def discovered(bill_emulator: EmulatorServer, tmp_path_factory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("discover")
    config = _write(folder, "config.json", bill_emulator.config("ap_ar"))
    messages, _ = _run("discover", "--config", str(config), cwd=folder)
    (catalog,) = _of_type(messages, "CATALOG")
    return {stream["name"]: stream for stream in catalog["catalog"]["streams"]}


# -- configured_catalog.json -------------------------------------------------------------------------


def test_given_discover_when_compared_with_configured_catalog_then_every_ap_ar_stream_is_there_incremental_where_supported(
    discovered,
):
    catalog = _load("configured_catalog.json")
    entries = {entry["stream"]["name"]: entry for entry in catalog["streams"]}

    assert len(entries) == len(catalog["streams"]), "a stream is listed twice"
    assert set(entries) == set(discovered)
    for name, stream in discovered.items():
        entry = entries[name]
        if "incremental" in stream["supported_sync_modes"]:
            assert entry["sync_mode"] == "incremental", name
            assert entry["cursor_field"] == stream["default_cursor_field"], name
            assert entry["destination_sync_mode"] == "append_dedup", name
        else:
            assert entry["sync_mode"] == "full_refresh", name
            assert "cursor_field" not in entry, name
        assert entry["primary_key"] == stream["source_defined_primary_key"], name
        assert entry["stream"]["supported_sync_modes"] == stream["supported_sync_modes"], name
    assert _incremental_streams(), "no incremental stream: the state files would prove nothing"


def test_given_configured_catalog_when_read_without_state_then_every_stream_equals_the_emulator_data(
    bill_emulator: EmulatorServer, tmp_path: Path
):
    config = _write(tmp_path, "config.json", bill_emulator.config("ap_ar"))
    expected = expected_ids(bill_emulator, "ap_ar")

    messages, _ = _run(
        "read", "--config", str(config), "--catalog", str(HERE / "configured_catalog.json"), cwd=tmp_path
    )

    assert not _errors(messages), _errors(messages)
    records = _records(messages)
    for stream, ids in expected.items():
        assert ids, f"the emulator has no {stream}: the test would prove nothing"
        assert sorted(record["id"] for record in records.get(stream, [])) == sorted(ids), stream
    states = {
        message["state"]["stream"]["stream_descriptor"]["name"] for message in _of_type(messages, "STATE")
    }
    assert _incremental_streams() <= states


# -- sample_config.json ------------------------------------------------------------------------------


def test_given_sample_config_when_validated_against_the_spec_then_it_is_valid_with_placeholder_secrets():
    spec = yaml.safe_load((HERE.parent / "source_bill" / "spec.yaml").read_text())["connectionSpecification"]
    config = _load("sample_config.json")

    jsonschema.Draft7Validator(spec).validate(config)

    assert config["credentials"]["auth_type"] == "ap_ar"
    assert "base_url" not in config, "the sample config is for real BILL, not the emulator"
    (ap_ar,) = (
        variant
        for variant in spec["properties"]["credentials"]["oneOf"]
        if variant["properties"]["auth_type"]["const"] == "ap_ar"
    )
    assert set(ap_ar["required"]) <= set(config["credentials"])
    # The console API token stands in the password's place: the sample gives the password.
    secrets = [
        name
        for name, prop in ap_ar["properties"].items()
        if prop.get("airbyte_secret") and name in config["credentials"]
    ]
    assert {"password", "dev_key"} <= set(secrets), "the placeholder check would prove nothing"
    assert "console_api_token" not in config["credentials"]
    for name in secrets:
        value = config["credentials"][name]
        assert value.startswith("<") and value.endswith(">"), (
            f"{name} must be an obvious placeholder, not {value!r}"
        )


# -- invalid_config.json -----------------------------------------------------------------------------


def test_given_invalid_config_when_check_runs_against_the_emulator_then_it_fails_with_a_specific_message(
    bill_emulator: EmulatorServer, tmp_path: Path
):
    config = _load("invalid_config.json")
    config["base_url"] = bill_emulator.base_url
    path = _write(tmp_path, "invalid_config.json", config)

    messages, completed = _run("check", "--config", str(path), cwd=tmp_path)

    statuses = [message["connectionStatus"] for message in _of_type(messages, "CONNECTION_STATUS")]
    assert len(statuses) == 1, messages
    assert statuses[0]["status"] == "FAILED"
    assert statuses[0]["message"].startswith(
        "BILL rejected the developer key (BDC_1102). Check the developer key."
    ), statuses[0]["message"]
    assert not _of_type(messages, "TRACE"), _of_type(messages, "TRACE")
    assert "Traceback" not in completed.stdout + completed.stderr


# -- abnormal_state.json -----------------------------------------------------------------------------


def test_given_abnormal_state_when_reading_then_incremental_streams_return_no_records_and_no_error(
    bill_emulator: EmulatorServer, tmp_path: Path
):
    state = _load("abnormal_state.json")
    cursors = _state_cursors(state)
    assert set(cursors) == _incremental_streams(), "abnormal_state.json must cover every incremental stream"
    assert all(cursor.year >= 2099 for cursor in cursors.values())
    config = _write(tmp_path, "config.json", bill_emulator.config("ap_ar"))

    messages, _ = _run(
        "read",
        "--config",
        str(config),
        "--catalog",
        str(HERE / "configured_catalog.json"),
        "--state",
        str(HERE / "abnormal_state.json"),
        cwd=tmp_path,
    )

    assert not _errors(messages), _errors(messages)
    records = _records(messages)
    assert not {stream: len(rows) for stream, rows in records.items() if stream in cursors}
    # The read did run: the full-refresh streams, which ignore state, still return their records.
    full_refresh = set(AP_AR_KINDS) - set(cursors) - {"organization"}
    assert full_refresh and all(records.get(stream) for stream in full_refresh), sorted(records)
    # And the future cursors are kept, not moved back.
    emitted = [message["state"] for message in _of_type(messages, "STATE")]
    kept = _state_cursors([entry for entry in emitted if "updatedTime" in entry["stream"]["stream_state"]])
    assert kept == cursors


# -- sample_state.json -------------------------------------------------------------------------------


def test_given_sample_state_when_reading_incrementally_then_only_records_at_or_after_its_cursors_return(
    bill_emulator: EmulatorServer, tmp_path: Path
):
    cursors = _state_cursors(_load("sample_state.json"))
    assert set(cursors) <= _incremental_streams()
    store, org = bill_emulator.emulator.store, bill_emulator.emulator.credentials["ap_ar"]["organization_id"]
    rows = {stream: [row.body for row in store.find(AP_AR_KINDS[stream], org)] for stream in cursors}
    expected = {
        stream: {body["id"] for body in bodies if _instant(body["updatedTime"]) >= cursors[stream]}
        for stream, bodies in rows.items()
    }
    older = {stream: len(bodies) - len(expected[stream]) for stream, bodies in rows.items()}
    assert any(older.values()) and any(expected.values()), (
        "sample_state.json's cursors no longer split the emulator's data (seeded over the 800 days up to now): "
        f"move them. Records before/at-or-after the cursors: {older} / { {s: len(i) for s, i in expected.items()} }"
    )
    config = copy.deepcopy(bill_emulator.config("ap_ar"))
    config["lookback_window_seconds"] = 0  # exactly from the cursor; the default re-reads 5 minutes
    config_path = _write(tmp_path, "config.json", config)
    catalog_path = _write(tmp_path, "catalog.json", _catalog_for(set(cursors)))

    messages, _ = _run(
        "read",
        "--config",
        str(config_path),
        "--catalog",
        str(catalog_path),
        "--state",
        str(HERE / "sample_state.json"),
        cwd=tmp_path,
    )

    assert not _errors(messages), _errors(messages)
    records = _records(messages)
    for stream, cursor in cursors.items():
        got = records.get(stream, [])
        early = [record["id"] for record in got if _instant(record["updatedTime"]) < cursor]
        assert not early, f"{stream}: records before the cursor {cursor.isoformat()}: {early}"
        assert sorted(record["id"] for record in got) == sorted(expected[stream]), stream
    # The newest state of each stream; a completed sync leaves the single `updatedTime` form.
    emitted = {
        message["state"]["stream"]["stream_descriptor"]["name"]: message["state"]
        for message in _of_type(messages, "STATE")
    }
    final = _state_cursors(list(emitted.values()))
    assert all(final[stream] >= cursor for stream, cursor in cursors.items()), final
