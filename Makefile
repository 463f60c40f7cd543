# Set-up and everyday commands. `make run` and `make test` need only Python 3.11+.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed-$(shell sha1sum $(LOCK) | cut -c1-12)
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one a core by default; TEST_WORKERS=0 runs in this process.
# Groups (xdist_group) go whole to one process; collection order is kept, since tests
# that flush the database must run after those that expect its migrated data.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# Development defaults; production sets its own environment.
export DJANGO_DEBUG ?= 1

.PHONY: install run test test-vendor smoke audit lint format migrations bench clean

# pip installs uv (requirements/uv.lock), and uv the locked packages: a tenth of pip's time.
$(STAMP): $(LOCK) requirements/uv.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py load_history --if-empty
	$(BIN)/python manage.py ensure_admin
	PORT=$(PORT) BIN=$(BIN) scripts/run-dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The tests that depend on the database vendor (VENDOR_MODULES in tests/conftest.py), for
# a second pass on another database: CI runs them on SQLite after `make test`.
test-vendor: install
	$(BIN)/pytest $(XDIST) -m "vendor and not browser" $(PYTEST_ARGS)

# After a model change: write its migration (make test fails while one is missing).
migrations: install
	$(BIN)/python manage.py makemigrations meetings

# What docker-compose.yml runs, with production settings, on the PostgreSQL and Redis
# servers of DATABASE_URL and CELERY_BROKER_URL (loopback by default): scripts/smoke-prod.
smoke: install
	BIN=$(BIN) scripts/smoke-prod

# bandit on the code and pip-audit on requirements/base.lock; fails on findings only
# (an unreachable vulnerability service is reported, not failed): scripts/audit.
audit: install
	$(BIN)/python scripts/audit

# Needs wrk (and nginx for the proxy rows) from Debian; installed here when missing.
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || apt-get install -y -qq nginx-light
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
