"""The notebooks: each runs headless from top to bottom on its own emulator, and each is committed clean.

A notebook fails its run on any error, including its last check cell's failed `assert`. The kernel is
this interpreter (a `python3` kernelspec written for the test), and no BILL credentials reach it:
`BILL_*` variables are removed and `BILL_TARGET=emulator` makes notebooks/secrets.env ignored.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 600  # the slowest cell (05's PyAirbyte sync) takes about a minute


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def test_every_walkthrough_is_there() -> None:
    names = {path.stem for path in NOTEBOOKS}
    assert names >= {
        "01_connect",
        "02_ar_workflow",
        "03_partner",
        "04_spend_expense",
        "05_analytics",
        "06_webhooks",
    }


@pytest.fixture
def headless_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A `python3` kernel that runs this interpreter, in an environment without BILL credentials."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (source-bill tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # searched before any other kernelspec
    for name in [name for name in os.environ if name.startswith("BILL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BILL_TARGET", "emulator")
    monkeypatch.setenv("BILL_CONNECTOR_TIMEOUT_SECONDS", "300")  # a hung sync fails instead of waiting
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, headless_kernel: str, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=headless_kernel,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        executed = tmp_path / path.name
        nbformat.write(notebook, executed)
        pytest.fail(f"{path.name} failed (executed copy: {executed}):\n{error}", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_ends_with_its_check(path: Path) -> None:
    """An explanation first, a check cell of asserts near the end, and the emulator stopped last."""
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    assert "assert " in code[-2], f"{path.name}: the cell before the last must be the check cell"
    assert "target.close()" in code[-1], f"{path.name}: the last cell must stop the emulator"
