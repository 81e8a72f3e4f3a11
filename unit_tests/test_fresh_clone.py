"""A clone is the whole project: the collection's facts are committed, and nothing outside the
repository is read at test or run time (the development notes beside our checkouts are not
there in a user's clone)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests_support.collection import COLLECTION_FIXTURE, load_collection, requests_of

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "derive_collection_fixture.py"
#: A path that leaves the repository for the development notes beside it.
_OUTSIDE = re.compile(r"""\.\./shared|parents?(\[\d\])?\.parent\s*/\s*["']shared["']""")


def _tracked_python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py", "*.ipynb", "Makefile", ".ci/*"], cwd=REPO, capture_output=True, text=True
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: nothing to list")
    return [REPO / name for name in listed.stdout.split()]


def test_given_the_repository_when_searched_then_no_test_or_runtime_path_leads_outside_it():
    # tools/ may read the collection beside the repository: that is how the fixture is derived.
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in _tracked_python_files()
        if path.exists() and "tools" not in path.relative_to(REPO).parts[:1]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert offenders == [], f"these lines read outside the repository: {offenders}"


def test_given_the_fixture_then_it_holds_facts_only():
    collection = load_collection()
    folders = [f["name"] for f in collection["item"]]
    assert {"AP & AR Authentication", "AP & AR", "Partner Operations", "Spend & Expense"} <= set(folders)
    items = list(requests_of(collection["item"]))
    assert len(items) >= 280
    for item in items:
        assert set(item) == {"name", "request", "response"}, item["name"]
        assert set(item["request"]) <= {"method", "url", "header", "body"}, item["name"]
        for response in item["response"]:
            assert set(response) == {"code", "body"}, item["name"]
    for folder in collection["item"]:  # folders: a name and their items, no prose
        assert set(folder) == {"name", "item"}, folder["name"]
    text = COLLECTION_FIXTURE.read_text(encoding="utf-8")
    assert '"originalRequest"' not in text and '"exec"' not in text and '"cookie"' not in text


def test_given_the_collection_beside_the_clone_when_checked_then_the_fixture_matches_it():
    result = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True)
    if result.returncode == 3:
        pytest.skip(f"nothing to compare the fixture with: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


def test_given_a_changed_collection_when_checked_then_the_fixture_is_reported_stale(tmp_path):
    import json

    collection = json.loads(COLLECTION_FIXTURE.read_text(encoding="utf-8"))
    first = next(requests_of(collection["item"]))
    first["response"].append({"code": 418, "body": ""})
    changed = tmp_path / "collection.json"
    changed.write_text(json.dumps(collection), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check", "--collection", str(changed)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "differs" in result.stderr
