# sdgpilot: two commands for a fresh clone.
#   make run   - install, migrate, load reference data, seed a demo, serve with Celery
#   make test  - install what the tests need and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test install install-test lint messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

messages: install
	scripts/system-deps gettext
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v0

run: install messages
	scripts/run

test: install messages
	scripts/system-deps
	scripts/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf var/broker var/static var/celerybeat-schedule*
