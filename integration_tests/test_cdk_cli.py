"""`airbyte-cdk connector test`, the official CLI, against the emulator.

The CLI generates its own test module (`create_connector_test_suite`), which builds `SourceBill()`
with no config and then runs spec, check, discover and read with the configs that
`acceptance-test-config.yml` names (written to `integration_tests/.emulator/` by the session's
`bill_emulator` fixture).

The CLI needs a connector directory named `source-*`. A symlink named `source-bill` that points at
the repository does not do: the CLI resolves symlinks (`Path.resolve()`) and ends up with the
repository's own name. So the test runs it on a real directory named `source-bill` whose entries are
symlinks to the files the CLI reads (metadata.yaml, acceptance-test-config.yml, integration_tests/).
The `.tmp/` and `build/` the CLI writes land in that temporary directory, never in the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from bill_emulator import EmulatorServer

REPO = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "airbyte-cdk"

#: What the CLI reads from the connector directory.
LINKED = ("metadata.yaml", "acceptance-test-config.yml", "integration_tests")

GOOD = ("config_ap_ar", "config_partner", "config_spend_expense", "config_oauth")
INVALID = (
    "invalid_password",
    "invalid_dev_key",
    "invalid_app_key",
    "invalid_api_token",
    "invalid_client_secret",
)

#: Every test the suite must pass for these configs (scenario ids are "'<config file stem>' Test Scenario").
MUST_PASS = {
    "test_spec",
    "test_config_matches_spec['spec_config_ap_ar' Test Scenario]",
    *(f"{test}['{config}' Test Scenario]" for test in ("test_check", "test_discover") for config in GOOD),
    *(
        f"{test}['{config}' Test Scenario]"
        for test in ("test_basic_read", "test_fail_read_with_bad_catalog")
        for config in GOOD
    ),
    *(f"test_check['{config}' Test Scenario]" for config in INVALID),
    "test_check['config_ap_ar_console' Test Scenario]",
}


def _connector_dir(parent: Path) -> Path:
    folder = parent / "source-bill"
    folder.mkdir()
    for name in LINKED:
        (folder / name).symlink_to(REPO / name)
    return folder


def _outcomes(junit: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[case.attrib["name"]] = "failed"
        elif case.find("skipped") is not None:
            outcomes[case.attrib["name"]] = "skipped"
        else:
            outcomes[case.attrib["name"]] = "passed"
    return outcomes


def test_given_the_emulator_when_airbyte_cdk_connector_test_runs_then_the_standard_suite_passes(
    bill_emulator: EmulatorServer, tmp_path: Path
):
    assert (REPO / "integration_tests" / ".emulator" / "config_ap_ar.json").exists()
    connector = _connector_dir(tmp_path)
    repo_artefacts_before = {
        path for path in (REPO / ".tmp", REPO / "build" / "test-results") if path.exists()
    }
    logins_before = bill_emulator.counters()["logins"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}

    try:
        completed = subprocess.run(
            [
                str(CLI),
                "connector",
                "test",
                str(connector),
                # Docker image tests need an engine; the cache provider would write into the connector dir.
                "--pytest-arg=-m",
                "--pytest-arg=not image_tests",
                "--pytest-arg=-p",
                "--pytest-arg=no:cacheprovider",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = completed.stdout[-5000:] + completed.stderr[-3000:]
        assert completed.returncode == 0, output
        junit = connector / "build" / "test-results" / "standard-tests-junit.xml"
        assert (connector / ".tmp" / "integration_tests" / "test_airbyte_standards.py").exists(), output
        outcomes = _outcomes(junit)
    finally:
        for written in (connector / ".tmp", connector / "build"):
            shutil.rmtree(written, ignore_errors=True)

    failed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    assert not failed, failed
    not_passed = sorted(name for name in MUST_PASS if outcomes.get(name) != "passed")
    assert not not_passed, f"not run or not passed: {not_passed}"
    # The SourceBill() the CLI built talked to this emulator (check and read log in).
    assert bill_emulator.counters()["logins"] - logins_before >= len(GOOD)
    # Nothing was written into the repository.
    after = {path for path in (REPO / ".tmp", REPO / "build" / "test-results") if path.exists()}
    assert after == repo_artefacts_before
