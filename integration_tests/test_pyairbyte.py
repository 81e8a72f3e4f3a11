"""PyAirbyte runs the installed `source-bill` and loads every AP/AR stream into its default DuckDB cache.

These are the README's lines, with the emulator's config:

    source = ab.get_source("source-bill", config=config, local_executable="source-bill")
    source.select_all_streams()
    result = source.read()

PyAirbyte reads its settings from the environment when it is first imported, so the test sets them
(offline mode: no registry lookup for an unregistered connector, no telemetry; cache, project and log
roots in a temporary directory) before importing it, and checks that they took effect.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from bill_emulator import EmulatorServer
from integration_tests.test_sync import expected_ids


@pytest.fixture
def pyairbyte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AIRBYTE_OFFLINE_MODE", "1")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("NO_LIVE_PROGRESS", "1")
    monkeypatch.setenv("AIRBYTE_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("AIRBYTE_CACHE_ROOT", str(tmp_path / "cache"))
    monkeypatch.setenv("AIRBYTE_LOGGING_ROOT", str(tmp_path / "logs"))
    already_imported = "airbyte" in sys.modules
    ab = importlib.import_module("airbyte")
    if already_imported and not Path(ab.get_default_cache().db_path).is_relative_to(tmp_path):
        pytest.fail("airbyte was imported earlier in this process, before its cache root could be set")
    return ab


def test_given_the_emulator_when_pyairbyte_reads_every_ap_ar_stream_then_the_cache_holds_the_emulator_data(
    pyairbyte, bill_emulator: EmulatorServer, tmp_path: Path
):
    ab = pyairbyte
    expected = expected_ids(bill_emulator, "ap_ar")
    source = ab.get_source(
        "source-bill",
        config=bill_emulator.config("ap_ar"),
        local_executable=str(Path(sys.executable).parent / "source-bill"),
    )
    cache = ab.get_default_cache()
    assert Path(cache.db_path).is_relative_to(tmp_path / "cache"), cache.db_path

    source.select_all_streams()
    result = source.read(cache=cache)

    assert set(result.streams) == set(expected)
    for stream, ids in expected.items():
        assert ids, f"the emulator has no {stream}: the test would prove nothing"
        frame = result[stream].to_pandas()
        assert len(frame) == len(ids), f"{stream}: {len(frame)} rows in DuckDB, {len(ids)} in the emulator"
        assert set(frame["id"]) == ids, f"{stream} differs from the emulator's data"
    assert Path(cache.db_path).is_file()
