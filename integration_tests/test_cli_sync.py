"""`source-bill read` against `bill-emulator serve`, both as the processes a user runs: every stream of
every auth type syncs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _messages(*args: str) -> list[dict]:
    completed = subprocess.run([str(BIN / "source-bill"), *args], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def served_configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    process = subprocess.Popen(
        [
            str(BIN / "bill-emulator"),
            "serve",
            "--scale",
            "tiny",
            "--seed",
            "5",
            "--write-configs",
            str(folder),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().startswith("http://127.0.0.1:")
        while not (folder / "config_spend_expense.json").exists():
            assert process.stderr.readline(), "bill-emulator serve stopped before writing its configs"
        yield folder
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("auth_type", ["ap_ar", "partner", "spend_expense"])
def test_given_bill_emulator_serve_when_source_bill_reads_then_every_stream_syncs(served_configs, auth_type):
    config = served_configs / f"config_{auth_type}.json"
    catalog = next(m for m in _messages("discover", "--config", str(config)) if m["type"] == "CATALOG")[
        "catalog"
    ]
    configured = served_configs / f"catalog_{auth_type}.json"
    configured.write_text(
        json.dumps(
            {
                "streams": [
                    {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                    for stream in catalog["streams"]
                ]
            }
        )
    )

    messages = _messages("read", "--config", str(config), "--catalog", str(configured))

    records = Counter(m["record"]["stream"] for m in messages if m["type"] == "RECORD")
    streams = {stream["name"] for stream in catalog["streams"]}
    assert streams and set(records) == streams, f"streams without records: {streams - set(records)}"
    errors = [m for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert not errors
