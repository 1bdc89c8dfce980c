# Roadmap Tracker: `make run` serves the demonstration site, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
DEBUG ?= 1
export DEBUG

.PHONY: run test lint install install-test bench soak clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	@echo "Roadmap Tracker on http://127.0.0.1:$(PORT)/ (sign in as impacs / roadmap-demo)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* .pytest_cache .mypy_cache .ruff_cache *.egg-info

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)

# The site under 50 simulated users for SOAK_SECONDS (default 600) on PostgreSQL: scripts/soak.py.
SOAK_SECONDS ?= 600
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/roadmap_soak
soak: install
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) scripts/soak.py $(SOAK_ARGS)
