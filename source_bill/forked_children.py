"""Child processes forked from this one, for a sync of many organizations (`organization_processes`).

A new interpreter spends about 1.5 s of CPU before its first request: importing the CDK and
airbyte-protocol's serializers, and parsing the manifest. A sync of many organizations has done all
that already in the parent, so on Linux a child is a fork of the parent that runs the same module
(`python -m source_bill.run`) as `__main__`, from where the parent already is.

Forking is safe only while this process has one thread: a lock another thread holds at that moment
stays held forever in the child. The parent forks its children before it starts any thread of its
own; when any other thread runs (a test's emulator, an embedding application), the children start
as new interpreters instead (`fork_refusal` says why).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import runpy
import sys
import threading
from multiprocessing.process import BaseProcess
from typing import IO


def fork_refusal() -> str | None:
    """Why this process cannot fork a child now, or None when it can."""
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return f"this platform ({sys.platform}) starts processes without fork"
    threads = threading.active_count()
    if threads > 1:
        return f"{threads - 1} other thread(s) run in this process"
    return None


class ForkedChild:
    """A forked child as `subprocess.Popen` shows one: its output pipes, its exit code, `kill`."""

    def __init__(self, process: BaseProcess, stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self._process = process
        self.pid = process.pid
        self.stdout = stdout
        self.stderr = stderr

    def poll(self) -> int | None:
        """The exit code (negative: the signal that ended it), or None while it runs."""
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise TimeoutError(f"child {self.pid} still runs after {timeout} s")
        return code

    def kill(self) -> None:
        self._process.kill()


def fork_child(module: str, arguments: list[str]) -> ForkedChild:
    """Fork a child that runs `module` as `__main__` with `arguments`, as `python -m module arguments`
    would, its stdin empty and its stdout and stderr piped to this process. (`multiprocessing` forks
    it: it flushes this process's output first, and ends the child without running this process's
    exit handlers.)"""
    problem = fork_refusal()
    if problem is not None:
        raise RuntimeError(f"cannot fork: {problem}")
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    _flush_output()  # what this process buffered is written once, by this process
    process = multiprocessing.get_context("fork").Process(
        target=_run_as_child,
        args=(module, arguments, (out_read, err_read), out_write, err_write),
        daemon=True,  # ended when this process ends, never waited for by its exit
    )
    try:
        process.start()
    except BaseException:
        for descriptor in (out_read, err_read):
            os.close(descriptor)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
    return ForkedChild(process, os.fdopen(out_read, "rb"), os.fdopen(err_read, "rb"))


def _run_as_child(
    module: str, arguments: list[str], parent_ends: tuple[int, int], out_write: int, err_write: int
) -> None:
    """In the child: its output to the pipes, then `module` as `__main__` (its `sys.exit` code is the
    child's exit code; an exception's traceback goes to stderr, and the code is 1)."""
    for descriptor in parent_ends:
        os.close(descriptor)
    os.dup2(out_write, 1)
    os.dup2(err_write, 2)
    os.close(out_write)
    os.close(err_write)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # the parent's may be redirected
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        _flush_output()


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
