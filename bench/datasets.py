"""Emulator databases seeded once and reused (`.emulator/bench/`, ignored by git).

Seeding 500,000 invoices takes minutes; a file-backed emulator keeps its data across restarts,
so each size is seeded once per checkout. A seed is written to a temporary file and renamed
when complete, so an interrupted seed is never reused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bill_emulator import Emulator, EmulatorSettings, Limits

FOLDER = Path(__file__).resolve().parents[1] / ".emulator" / "bench"


def db_path(invoices: int, seed: int = 7) -> Path:
    return FOLDER / f"invoices-{invoices}-seed{seed}.sqlite"


def seed(invoices: int, seed: int = 7) -> Path:
    """Seed the database for `invoices` invoices unless it exists; return its path."""
    path = db_path(invoices, seed)
    if path.exists():
        return path
    FOLDER.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".partial-{os.getpid()}")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    settings = EmulatorSettings(
        seed=seed, scale=invoices, db_path=str(partial), limits=Limits(None, None, None, None)
    )
    emulator = Emulator(settings)
    emulator.store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    emulator.store.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return path


def seed_in_background(*sizes: int, seed_value: int = 7) -> subprocess.Popen[bytes] | None:
    """Seed the missing databases in another process, one after the other (None if none is missing)."""
    missing = [str(size) for size in sizes if not db_path(size, seed_value).exists()]
    if not missing:
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "bench.datasets", "--seed", str(seed_value), *missing],
        cwd=FOLDER.parents[1],
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str]) -> int:
    seed_value = 7
    if argv[:1] == ["--seed"]:
        seed_value, argv = int(argv[1]), argv[2:]
    for size in argv:
        print(seed(int(size), seed_value), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
