"""The `conform` subcommand's arguments (kept apart so `bill-emulator serve` imports nothing more)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

DESCRIPTION = (
    "Run read-only probes (GET requests and the sign-in only, one at a time, at most 60) against the BILL "
    "a source-bill config points at and against a default emulator, and compare them: exit 0 when "
    "nothing differs, 1 when something does, 2 when conform cannot run. See docs/emulator.md."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument("--config", required=True, type=Path, help="a source-bill connector config (JSON)")
    parser.add_argument("--report", type=Path, default=None, help="write the JSON report to this file")
    parser.add_argument(
        "--probes", default=None, metavar="NAME,...", help="run only these probes (or groups, e.g. fields)"
    )
    parser.add_argument(
        "--allow-sandbox-writes",
        action="store_true",
        help="refused: conform has no write probes, every probe is read-only",
    )

    def one_line_error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: {message} (see {parser.prog} --help)\n")

    parser.error = one_line_error  # type: ignore[method-assign]
