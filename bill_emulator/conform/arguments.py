"""The `conform` subcommand's arguments (kept apart so `bill-emulator serve` imports nothing more)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
