# source-bill: `make demo` and `make test` do all set-up themselves (a .venv with every extra).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install lock demo test test-reliability lint format lab bench clean

$(PY):
	$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) tools/bootstrap_venv.py $(VENV); }

# constraints.txt locks every package to the versions the suite last passed with (`make lock` refreshes it).
$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lock:
	PYTHON=$(PYTHON) tools/lock.sh

demo: install
	$(PY) scripts/demo.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint
	$(PY) -m pytest

test-reliability: install
	$(PY) -m pytest -m reliability

bench: install
	$(PY) scripts/bench.py $(BENCH_ARGS)

lab: install
	$(PY) scripts/lab.py $(LAB_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
