# Roadmap Tracker: `make run` serves the demonstration site, `make test` runs the whole suite.
# Python 3.11, 3.12 or 3.13 (pyproject.toml's requires-python): the newest found on PATH, or PYTHON=...
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifeq ($(origin PYTHON), undefined)
PYTHON := $(firstword $(foreach p,python3.13 python3.12 python3.11 python3,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED)' 2>/dev/null && echo $(p))))
endif
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
DEBUG ?= 1
export DEBUG

# The small plotly.js (bar, heatmap, scatter) the Docker image and `make bench` serve; needs Node.js and
# npm. `make run` does without it and serves the full bundle of the plotly package.
PLOTLY_BUNDLE := build/plotly/dist/plotly.min.js

.PHONY: run test lint install install-test bench clean plotly-bundle fault-drill backup-drill soak messages messages-check

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ] || ! $(PYTHON) -c '$(SUPPORTED)' 2>/dev/null; then \
		echo "Roadmap Tracker needs Python 3.11, 3.12 or 3.13 (python3.13, python3.12 or python3.11 on PATH," >&2; \
		echo "or PYTHON=/path/to/python3.x make ...); python3 here: $$(python3 --version 2>/dev/null || echo none)" >&2; \
		exit 1; \
	fi
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

# Translations: after adding or changing interface text, `make messages`, translate the new entries of
# locale/{es,fr,nl}/LC_MESSAGES/django.po (see docs/glossary.md), `make messages` again, commit .po and .mo.
messages: install
	$(PY) scripts/messages.py update

messages-check: install
	$(PY) scripts/messages.py check

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* .pytest_cache .mypy_cache .ruff_cache *.egg-info build/plotly/node_modules build/plotly/dist

plotly-bundle: $(PLOTLY_BUNDLE)

$(PLOTLY_BUNDLE): build/plotly/package.json build/plotly/package-lock.json build/plotly/index.js
	cd build/plotly && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

bench: install $(PLOTLY_BUNDLE)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	PLOTLY_JS=$(CURDIR)/$(PLOTLY_BUNDLE) $(PY) bench/run.py $(BENCH_ARGS)

# PostgreSQL stopped under traffic, a worker killed mid-write (scripts/fault_drill.py; stops the shared
# server for FAULT_SECONDS, default 20).
fault-drill: install
	$(PY) scripts/fault_drill.py

backup-drill: install
	$(PY) scripts/backup_drill.py

# The site under 50 simulated users for SOAK_SECONDS (default 600) on PostgreSQL: scripts/soak.py.
SOAK_SECONDS ?= 600
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/roadmap_soak
soak: install
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) scripts/soak.py $(SOAK_ARGS)
