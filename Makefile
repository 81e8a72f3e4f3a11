# source-bill: `make demo` and `make test` do all set-up themselves (a .venv with every extra).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-reliability lint format lab bench clean

$(PY):
	$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) tools/bootstrap_venv.py $(VENV); }

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

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
