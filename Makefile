# Gongzhi — the two commands: `make run` and `make test`. Also `make bench`, `make dev` (runserver).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# gunicorn for `make run`: processes (about 1–2 per core) and threads each; bench/bench_load.py measures.
WEB_WORKERS ?= 3
WEB_THREADS ?= 4
PG_URL ?= postgres://postgres@127.0.0.1:5432/gongzhi
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run dev test test-sqlite test-postgres bench install install-test system-deps messages migrate demo lint clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test system-deps

## Chromium and CJK fonts for the browser tests (Debian packages; needs root).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! command -v pdftotext >/dev/null; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing chromium and fonts-noto-cjk (apt-get)…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
		else \
			echo "NOTE: chromium / fonts-noto-cjk missing and not root: browser tests will be skipped."; \
		fi; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	$(PY) manage.py demo --reset  # rebuild the demo sub-district in the development database

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py demo --if-empty
	@$(PY) manage.py schedule_tasks >/dev/null
	$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	@echo "Task worker (reminders, imports) runs alongside the server; Ctrl-C stops both."
	@trap 'kill 0' EXIT INT TERM; \
		$(PY) manage.py db_worker --queue-name '*' >var/worker.log 2>&1 & \
		echo "Serving on http://$(HOST):$(PORT)/ (gunicorn, $(WEB_WORKERS) workers × $(WEB_THREADS) threads)"; \
		$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) \
			--worker-class gthread --threads $(WEB_THREADS) --timeout 60 --access-logfile - --log-level warning

## Development: Django's autoreloading runserver (one process; not for load), with the task worker.
dev: migrate
	@$(PY) manage.py demo --if-empty
	@trap 'kill 0' EXIT INT TERM; \
		$(PY) manage.py db_worker --queue-name '*' >var/worker.log 2>&1 & \
		$(PY) manage.py runserver $(HOST):$(PORT)

test: install-test test-sqlite test-postgres

test-sqlite:
	@echo "== Import layers (import-linter: core < accounts < org < domain apps < config) =="
	$(VENV)/bin/lint-imports --no-cache --no-logo
	@echo "== Test suite on SQLite =="
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -q -n 2 --dist loadfile
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v1

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL (127.0.0.1:5432) =="; \
		DATABASE_URL=$(PG_URL) DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -q -n 2 --dist loadfile -m "not browser"; \
	else \
		echo "PostgreSQL run SKIPPED: no server at 127.0.0.1:5432 (CI always has one)."; \
	fi

bench: install-test
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/run_all.py

messages: install
	$(PY) manage.py makemessages -l en --no-obsolete -v0 -i ".venv/*" -i "var/*" -i "static_collected/*" -i "test-artifacts/*"
	$(PY) manage.py compilemessages -l en -v0 -i ".venv"
	@echo "to translate in locale/en/LC_MESSAGES/django.po (untranslated, fuzzy):" \
		"$$(msgattrib --untranslated locale/en/LC_MESSAGES/django.po | grep -c '^msgid')," \
		"$$(msgattrib --only-fuzzy locale/en/LC_MESSAGES/django.po | grep -c '^msgid')"

lint: install
	$(PIP) install --quiet -e ".[dev]"
	$(VENV)/bin/ruff check gongzhi config bench

clean:
	rm -rf $(VENV) var static_collected
