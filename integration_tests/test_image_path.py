"""The image path without Docker: the wheel, installed with its runtime dependencies only into a fresh
virtualenv, run through its `source-bill` console script (the image's entrypoint) against the emulator.

The connector image (`airbyte-cdk image build`, python-connector-base) pip-installs the package without
extras and runs `source-bill <verb> ...`. This module does the same in a temporary virtualenv, so a
missing package file (spec.yaml, manifest.yaml, schemas), a dependency that only the dev venv has, or
an emulator dependency leaking into the runtime would show up here, not in the image.

One wheel and one virtualenv per test session; pip's own cache makes reinstalls quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bill_emulator import EmulatorServer
from integration_tests.test_sync import expected_ids

REPO = Path(__file__).resolve().parent.parent
CATALOG = Path(__file__).parent / "configured_catalog.json"

#: A small catalog: two incremental streams and both full-refresh-only ones.
SMALL_CATALOG_STREAMS = ("customers", "invoices", "customer_bank_accounts", "organization")

#: What the emulator needs (the `emulator` extra) and the image must not carry.
EMULATOR_ONLY = ("uvicorn", "starlette", "httptools", "uvloop", "watchfiles", "websockets")

#: The package's data files the manifest-based source loads at run time.
PACKAGE_DATA = ("source_bill/spec.yaml", "source_bill/manifest.yaml", "source_bill/schemas/customers.json")


class FreshInstall:
    """A virtualenv holding only the wheel and its runtime dependencies."""

    def __init__(self, root: Path, wheel: Path) -> None:
        self.root = root
        self.wheel = wheel
        self.python = root / "bin" / "python"
        self.entrypoint = root / "bin" / "source-bill"

    def env(self) -> dict[str, str]:
        """The environment of a clean process: nothing from the dev venv leaks in."""
        skip = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
        env = {key: value for key, value in os.environ.items() if key not in skip}
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.entrypoint), *args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def python_json(self, code: str) -> Any:
        completed = subprocess.run(
            [str(self.python), "-c", code],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        return json.loads(completed.stdout)


def _pip(*args: str) -> None:
    """pip from the dev venv (its cache is reused; the fresh venv needs no pip of its own)."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, (
        f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
    )


@pytest.fixture(scope="session")
def fresh_install(tmp_path_factory) -> Iterator[FreshInstall]:
    base = tmp_path_factory.mktemp("image_path")
    wheels = base / "wheel"
    _pip("wheel", "--no-deps", "--quiet", str(REPO), "-w", str(wheels))
    (wheel,) = wheels.glob("source_bill-*.whl")
    root = base / "venv"
    venv.EnvBuilder(with_pip=False, clear=True).create(root)
    install = FreshInstall(root, wheel)
    # `pip install <wheel>`: runtime dependencies only, exactly what the image gets, at the locked versions.
    _pip(
        "--python", str(install.python), "install", "--quiet", "-c", str(REPO / "constraints.txt"), str(wheel)
    )
    yield install


def _messages(completed: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def _of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message for message in messages if message["type"] == kind]


def _errors(messages: list[dict[str, Any]]) -> list[str]:
    traces = [message["trace"] for message in _of_type(messages, "TRACE")]
    return [trace["error"]["message"] for trace in traces if trace["type"] == "ERROR"]


def _write(folder: Path, name: str, content: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(content, indent=2))
    return path


def _small_catalog() -> dict[str, Any]:
    streams = json.loads(CATALOG.read_text())["streams"]
    chosen = [entry for entry in streams if entry["stream"]["name"] in SMALL_CATALOG_STREAMS]
    assert {entry["stream"]["name"] for entry in chosen} == set(SMALL_CATALOG_STREAMS)
    return {"streams": chosen}


def test_given_the_wheel_when_installed_without_extras_then_no_emulator_dependency_is_installed(
    fresh_install: FreshInstall,
):
    installed = fresh_install.python_json(
        "import json, importlib.metadata as m\n"
        "dists = {d.metadata['Name'].lower().replace('_', '-'): d for d in m.distributions()}\n"
        "print(json.dumps({name: list(d.requires or []) for name, d in dists.items()}))"
    )
    assert "source-bill" in installed and "airbyte-cdk" in installed

    leaked = sorted(set(EMULATOR_ONLY) & set(installed))
    assert not leaked, f"the runtime install pulls in emulator dependencies: {leaked}"

    # source-bill's own runtime requirements name none of the emulator's packages (extras excluded).
    runtime = [req for req in installed["source-bill"] if "extra ==" not in req]
    assert not [req for req in runtime if req.split()[0].lower() in EMULATOR_ONLY], runtime

    # orjson is a runtime dependency on purpose: run.py writes protocol messages with it (and
    # airbyte-cdk needs it too), so the connector declares what it imports.
    requirers_of_orjson = {
        name
        for name, requires in installed.items()
        if any(
            req.split(";")[0].strip().lower().startswith("orjson") and "extra ==" not in req
            for req in requires
        )
    }
    assert {"source-bill", "airbyte-cdk"} <= requirers_of_orjson, requirers_of_orjson

    probe = subprocess.run(
        [str(fresh_install.python), "-c", "import bill_emulator"],
        cwd=fresh_install.root,
        env=fresh_install.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, (
        "the emulator must not run from the image"
    )


def test_given_the_wheel_when_built_then_it_ships_the_manifest_spec_and_schemas(fresh_install: FreshInstall):
    with zipfile.ZipFile(fresh_install.wheel) as wheel:
        names = set(wheel.namelist())
        entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
    assert set(PACKAGE_DATA) <= names, set(PACKAGE_DATA) - names
    assert "source-bill = source_bill.run:run" in scripts

    where = fresh_install.python_json("import json, source_bill; print(json.dumps(source_bill.__file__))")
    assert Path(where).is_relative_to(fresh_install.root), (
        f"source_bill imported from {where}, not the fresh venv"
    )


def test_given_a_fresh_install_when_spec_runs_then_it_returns_the_packaged_spec(
    fresh_install: FreshInstall, tmp_path: Path
):
    messages = _messages(fresh_install.run("spec", cwd=tmp_path))

    specs = _of_type(messages, "SPEC")
    assert len(specs) == 1, messages
    packaged = yaml.safe_load((REPO / "source_bill" / "spec.yaml").read_text())
    assert specs[0]["spec"]["connectionSpecification"] == packaged["connectionSpecification"]


def test_given_a_fresh_install_and_the_emulator_when_check_runs_then_connection_succeeds(
    fresh_install: FreshInstall, bill_emulator: EmulatorServer, tmp_path: Path
):
    config = _write(tmp_path, "config.json", bill_emulator.config("ap_ar"))

    messages = _messages(fresh_install.run("check", "--config", str(config), cwd=tmp_path))

    statuses = _of_type(messages, "CONNECTION_STATUS")
    assert [status["connectionStatus"]["status"] for status in statuses] == ["SUCCEEDED"], messages


def test_given_a_fresh_install_and_the_emulator_when_discover_runs_then_the_catalog_has_every_ap_ar_stream(
    fresh_install: FreshInstall, bill_emulator: EmulatorServer, tmp_path: Path
):
    config = _write(tmp_path, "config.json", bill_emulator.config("ap_ar"))

    messages = _messages(fresh_install.run("discover", "--config", str(config), cwd=tmp_path))

    catalogs = _of_type(messages, "CATALOG")
    assert len(catalogs) == 1, messages
    streams = {stream["name"]: stream for stream in catalogs[0]["catalog"]["streams"]}
    assert set(streams) == set(expected_ids(bill_emulator, "ap_ar"))
    assert all(stream["json_schema"].get("properties") for stream in streams.values())


def test_given_a_fresh_install_and_a_small_catalog_when_read_runs_then_every_stream_returns_the_emulator_data(
    fresh_install: FreshInstall, bill_emulator: EmulatorServer, tmp_path: Path
):
    config = _write(tmp_path, "config.json", bill_emulator.config("ap_ar"))
    catalog = _write(tmp_path, "catalog.json", _small_catalog())
    expected = expected_ids(bill_emulator, "ap_ar")

    messages = _messages(
        fresh_install.run("read", "--config", str(config), "--catalog", str(catalog), cwd=tmp_path)
    )

    assert not _errors(messages), _errors(messages)
    got: dict[str, list[str]] = {}
    for message in _of_type(messages, "RECORD"):
        got.setdefault(message["record"]["stream"], []).append(message["record"]["data"]["id"])
    for stream in SMALL_CATALOG_STREAMS:
        assert got.get(stream), f"no records for {stream}"
        assert sorted(got[stream]) == sorted(expected[stream]), f"{stream} differs from the emulator's data"
    states = {
        message["state"]["stream"]["stream_descriptor"]["name"] for message in _of_type(messages, "STATE")
    }
    assert {"customers", "invoices"} <= states
