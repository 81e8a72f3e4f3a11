"""`make lab`: JupyterLab on notebooks/, with a BILL emulator already running for the notebooks.

Starts the emulator in a background thread of this process, writes its connector configs to
`.emulator/lab/` (git-ignored) and runs JupyterLab on `notebooks/` with these in its environment
(so every kernel has them):

    BILL_EMULATOR_BASE_URL            http://127.0.0.1:PORT/connect
    BILL_EMULATOR_CONFIG_DIR          the folder with config_ap_ar.json, config_partner.json, ...
    BILL_EMULATOR_CONFIG_AP_AR        (and _PARTNER, _SPEND_EXPENSE) the path of each config

The notebooks use this emulator instead of starting their own. JupyterLab runs as a child process,
not in place of this one, because the emulator lives here: when JupyterLab stops, the emulator stops.

    python scripts/lab.py [--scale small] [--seed 7] [--db FILE] [--emulator-port N] [jupyter lab options]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from bill_emulator import Emulator, EmulatorServer, EmulatorSettings
from bill_emulator.configs import AUTH_TYPES, CONFIG_FILES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG_DIR = ROOT / ".emulator" / "lab"


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description="JupyterLab on notebooks/ with a BILL emulator running for the notebooks.",
        epilog="Other options go to jupyter lab, e.g. --no-browser --port 8889.",
    )
    parser.add_argument(
        "--scale", default="small", help="emulator data: tiny, small, medium, large or a number"
    )
    parser.add_argument("--seed", type=int, default=7, help="emulator data seed (same seed, same data)")
    parser.add_argument("--db", help="keep the emulator's data in this SQLite file (in memory otherwise)")
    parser.add_argument("--emulator-port", type=int, default=0, help="emulator port (0: a free one)")
    return parser.parse_known_args(argv)


def lab_environment(server: EmulatorServer, folder: Path) -> dict[str, str]:
    """The variables that point the notebooks at this emulator."""
    server.write_configs(folder)
    env = {"BILL_EMULATOR_BASE_URL": server.base_url, "BILL_EMULATOR_CONFIG_DIR": str(folder)}
    for auth_type in AUTH_TYPES:
        env[f"BILL_EMULATOR_CONFIG_{auth_type.upper()}"] = str(folder / CONFIG_FILES[auth_type])
    return env


def main(argv: list[str] | None = None) -> int:
    options, lab_options = parse(sys.argv[1:] if argv is None else argv)
    settings = EmulatorSettings(
        seed=options.seed, scale=options.scale, db_path=options.db, port=options.emulator_port
    )
    server = EmulatorServer(Emulator(settings)).start()
    lab: subprocess.Popen[bytes] | None = None
    # A plain `kill` ends JupyterLab and the emulator too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        variables = lab_environment(server, CONFIG_DIR)
        print(f"BILL emulator at {server.base_url}; configs in {CONFIG_DIR}")
        for name, value in variables.items():
            print(f"  {name}={value}")
        command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={NOTEBOOKS}", *lab_options]
        lab = subprocess.Popen(command, env={**os.environ, **variables})
        while True:
            try:
                return lab.wait()
            except KeyboardInterrupt:
                continue  # JupyterLab got the Ctrl-C too and asks to confirm; wait until it exits
    finally:
        if lab is not None and lab.poll() is None:
            lab.terminate()
            lab.wait(timeout=30)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
