"""`make demo`: start the BILL emulator on a free loopback port and run a real sync of every AP/AR
stream through the `source-bill` connector, then print a per-stream summary."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from connector_cli import CONNECTOR, configured_catalog

from bill_emulator import EmulatorSettings, running_emulator


def _run(command: list[str]) -> list[dict]:
    """Run the connector like Airbyte does and return its protocol messages."""
    completed = subprocess.run([CONNECTOR, *command], capture_output=True, text=True, check=False)
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0:
        errors = [m["trace"]["error"]["message"] for m in messages if m.get("type") == "TRACE"]
        raise SystemExit(f"source-bill {command[0]} failed: {errors or completed.stderr[-2000:]}")
    return messages


def main() -> int:
    started = time.monotonic()
    with (
        running_emulator(EmulatorSettings(scale="small")) as emulator,
        tempfile.TemporaryDirectory() as folder,
    ):
        print(f"BILL emulator at {emulator.base_url} (seeded in {time.monotonic() - started:.1f}s)")
        config = Path(folder) / "config.json"
        config.write_text(json.dumps(emulator.config("ap_ar")))

        status = next(m for m in _run(["check", "--config", str(config)]) if m["type"] == "CONNECTION_STATUS")
        print(f"check: {status['connectionStatus']['status']}")

        catalog = next(m for m in _run(["discover", "--config", str(config)]) if m["type"] == "CATALOG")[
            "catalog"
        ]
        configured = configured_catalog(catalog)
        catalog_path = Path(folder) / "catalog.json"
        catalog_path.write_text(json.dumps(configured))

        sync_started = time.monotonic()
        messages = _run(["read", "--config", str(config), "--catalog", str(catalog_path)])
        seconds = time.monotonic() - sync_started
        records = Counter(m["record"]["stream"] for m in messages if m["type"] == "RECORD")
        states = {
            m["state"]["stream"]["stream_descriptor"]["name"]
            for m in messages
            if m["type"] == "STATE" and m["state"].get("stream")
        }
        counters = emulator.counters()

    width = 2 + max(len(entry["stream"]["name"]) for entry in configured["streams"])
    print(f"\n{'stream':<{width}}{'mode':<14}{'records':>9}")
    for entry in configured["streams"]:
        name = entry["stream"]["name"]
        mode = entry["sync_mode"] + (" *" if name in states else "")
        print(f"{name:<{width}}{mode:<14}{records.get(name, 0):>9}")
    print(
        f"\n{sum(records.values())} records from {len(configured['streams'])} streams in {seconds:.1f}s; "
        f"{counters['requests']} requests, {counters['logins']} login(s), "
        f"peak {counters['peak_in_flight']} in flight (* = state emitted)"
    )
    missing = [
        entry["stream"]["name"] for entry in configured["streams"] if not records.get(entry["stream"]["name"])
    ]
    if missing:
        print(f"streams without records: {', '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
