# The archive's commands. `make run` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run serve backup restore test lint format setup data migrations-check bench eval load soak browser-deps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

.env:
	cp .env.example .env

# Migrate, import the seed essays and build the search index; safe to run again.
data: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_essays fixtures/seeds
	$(PY) manage.py ensure_index

setup: data

run: setup
	@echo
	@echo "The archive is being served on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# The production configuration on this machine: gunicorn, DEBUG off, collectstatic (docs/production.md).
serve: setup
	HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

# Dump the archive to var/backups/ (or FILE=…); restore one into an empty installation.
backup: $(VENV)/.installed .env
	bash scripts/backup.sh $(FILE)

restore: $(VENV)/.installed .env
	bash scripts/restore.sh "$(FILE)"

# Browser tests drive Debian's Chromium through Playwright; install it when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.installed .env browser-deps
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest
	$(MAKE) lint

# The same checks as the pre-commit hooks (.pre-commit-config.yaml): ruff, and djhtml for the
# templates' indentation.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml templates

migrations-check: $(VENV)/.installed .env
	$(PY) manage.py makemigrations --check --dry-run

# The benchmark of issue 7, apart from the tests: N essays (N=100000 works), data in bench/out/.
N ?= 10000
bench: $(VENV)/.installed
	$(PY) -m bench.run --n $(N)

# The relevance evaluation of issue 14, apart from the tests: judged queries over relevance/corpus/
# through the search page and SQLite FTS5, in a throwaway database under /tmp (relevance/README.md).
eval: $(VENV)/.installed
	$(PY) -m relevance.run

# The bounded load run of issue 6, apart from the tests: gunicorn on 127.0.0.1:8201 with N essays,
# readers, searchers and a curator for LOAD_SECONDS (60); figures in loadtest/out/load-N.json.
LOAD_SECONDS ?= 60
load: $(VENV)/.installed
	$(PY) -m loadtest.load --n $(N) --seconds $(LOAD_SECONDS)

# Issue 11's soak: several curator processes, a searcher and a chaos process (rebuilds, merges,
# held locks, killed writers, damaged files) for SOAK_SECONDS; then the index must equal the
# database. Figures in loadtest/out/soak.json.
SOAK_SECONDS ?= 120
soak: $(VENV)/.installed
	$(PY) -m loadtest.soak --seconds $(SOAK_SECONDS)

clean:
	rm -rf var
