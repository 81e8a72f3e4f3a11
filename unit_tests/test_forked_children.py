"""Children forked from the connector's process (`source_bill/forked_children.py`).

Each scenario runs in a fresh interpreter: a test process may run threads of its own (an emulator, a
flusher), and forking is refused while any other thread runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="children are forked on Linux only")

ROOT = Path(__file__).resolve().parents[1]

#: The module a child runs: says what it was given, then ends as its first argument says.
_CHILD_MODULE = r"""
import os, sys, time
print("argv", sys.argv[1:])
print("stdin", repr(sys.stdin.read()))
sys.stderr.write("to stderr\n")
how = sys.argv[1]
if how == "raise":
    raise ValueError("the child's own error")
if how == "sleep":
    time.sleep(60)
sys.exit(int(how))
"""


def _scenario(tmp_path: Path, body: str) -> dict[str, Any]:
    """Run `body` in a fresh interpreter with `fork_child` imported; it prints one JSON result."""
    (tmp_path / "child_module.py").write_text(_CHILD_MODULE)
    script = "import json, sys, threading, time\nfrom source_bill.forked_children import fork_child, fork_refusal\n"
    completed = subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{ROOT}:{tmp_path}", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_given_a_module_when_forked_then_it_runs_as_main_with_its_arguments_and_its_exit_code(
    tmp_path: Path,
) -> None:
    result = _scenario(
        tmp_path,
        """
        sys.stdout.write("buffered in the parent before the fork")  # written once, by the parent
        child = fork_child("child_module", ["3", "--config", "c.json"])
        out, err = child.stdout.read().decode(), child.stderr.read().decode()
        print()
        print(json.dumps({"code": child.wait(timeout=30), "out": out, "err": err}))
        """,
    )
    assert result["code"] == 3
    assert result["out"] == "argv ['3', '--config', 'c.json']\nstdin ''\n"
    assert result["err"] == "to stderr\n"


def test_given_a_child_that_raises_when_it_ends_then_its_code_is_1_and_stderr_has_the_traceback(
    tmp_path: Path,
) -> None:
    result = _scenario(
        tmp_path,
        """
        child = fork_child("child_module", ["raise"])
        out, err = child.stdout.read().decode(), child.stderr.read().decode()
        print(json.dumps({"code": child.wait(timeout=30), "err": err}))
        """,
    )
    assert result["code"] == 1
    assert "ValueError: the child's own error" in result["err"]
    assert "Traceback" in result["err"]


def test_given_a_running_child_when_killed_then_waiting_gives_the_signal_as_a_negative_code(
    tmp_path: Path,
) -> None:
    result = _scenario(
        tmp_path,
        """
        child = fork_child("child_module", ["sleep"])
        try:
            child.wait(timeout=0.2)
            timed_out = False
        except TimeoutError:
            timed_out = True
        running = child.poll()
        child.kill()
        print(json.dumps({"timed_out": timed_out, "running": running, "code": child.wait(timeout=30)}))
        """,
    )
    assert result == {"timed_out": True, "running": None, "code": -9}


def test_given_another_thread_when_forking_then_it_is_refused_naming_the_thread(tmp_path: Path) -> None:
    result = _scenario(
        tmp_path,
        """
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
        try:
            fork_child("child_module", ["0"])
            error = None
        except RuntimeError as refused:
            error = str(refused)
        print(json.dumps({"refusal": fork_refusal(), "error": error}))
        """,
    )
    assert result["refusal"] == "1 other thread(s) run in this process"
    assert result["error"] == "cannot fork: 1 other thread(s) run in this process"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; init reaps it


def test_given_a_running_child_when_this_process_exits_then_the_child_ends_with_it(tmp_path: Path) -> None:
    result = _scenario(
        tmp_path,
        """
        child = fork_child("child_module", ["sleep"])
        print(json.dumps({"pid": child.pid}))
        """,
    )
    deadline = time.monotonic() + 10
    while _running(result["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(result["pid"])  # not left reading for nobody, nor waited for by the exit


def test_given_a_fork_that_fails_when_forking_then_the_error_is_raised_and_no_pipe_is_left_open(
    tmp_path: Path,
) -> None:
    result = _scenario(
        tmp_path,
        """
        import multiprocessing, os

        def fail(process):
            raise OSError("Resource temporarily unavailable")

        multiprocessing.get_context("fork").Process._Popen = staticmethod(fail)
        before = len(os.listdir("/proc/self/fd"))
        try:
            fork_child("child_module", ["0"])
            error = None
        except OSError as failed:
            error = str(failed)
        print(json.dumps({"error": error, "left_open": len(os.listdir("/proc/self/fd")) - before}))
        """,
    )
    assert result == {"error": "Resource temporarily unavailable", "left_open": 0}
