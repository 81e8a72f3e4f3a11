"""Create .venv with pip on a machine whose python3 lacks ensurepip (plain Debian without python3-venv).

Used by the Makefile only when `python3 -m venv` fails. Fetches pip's wheel from PyPI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path


def main(target: str) -> int:
    venv.EnvBuilder(with_pip=False, clear=False).create(target)
    python = Path(target) / "bin" / "python"
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
    wheel = next(u for u in release["urls"] if u["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as response:
            path.write_bytes(response.read())
        return subprocess.call([str(python), f"{path}/pip", "install", "--quiet", str(path)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".venv"))
