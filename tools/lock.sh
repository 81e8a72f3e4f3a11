#!/usr/bin/env bash
# Refresh constraints.txt: resolve `.[dev]` afresh in a throwaway virtualenv and freeze it.
# `make lock` runs this; commit the result with the change that needed it.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet -e '.[dev]'
{
  echo "# Every package 'make' installs, at the versions the suite last passed with (Python 3.11, Linux)."
  echo "# Refresh with 'make lock' (resolves pyproject.toml afresh), then run 'make test'."
  "$work/venv/bin/python" -m pip freeze --exclude-editable | grep -v '^source-bill'
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) packages"
