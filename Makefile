# Roadmap Tracker: `make run` serves the demonstration site, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
DEBUG ?= 1
export DEBUG

.PHONY: run test lint install install-test bench clean messages messages-check

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

# Translations: after adding or changing interface text, `make messages`, translate the new entries of
# locale/{es,fr,nl}/LC_MESSAGES/django.po (see docs/glossary.md), `make messages` again, commit .po and .mo.
messages: install
	$(PY) scripts/messages.py update

messages-check: install
	$(PY) scripts/messages.py check

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* .pytest_cache .mypy_cache .ruff_cache *.egg-info

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)
