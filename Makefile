# PMO Web: `make run` to try it, `make test` to check it. Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask --app pmo_web
STAMP   = $(VENV)/.installed-stamp

HTMX_VERSION  = 2.0.11
GOVUK_VERSION = 6.3.0

.PHONY: run test check lint docs bench install migrate seed vendor clean help

help:
	@echo "make run    set up, migrate, load demo data, serve on http://127.0.0.1:5000"
	@echo "make test   run the whole test suite (in parallel, random order)"
	@echo "make check  the fast subset for the edit loop: rules, units, one smoke test per area"
	@echo "make lint   ruff over the code and tests; mypy, strict on workflows/"
	@echo "make docs   rewrite the rules' tables and diagrams in docs/rules.md from workflows/"
	@echo "make bench  time the key pages at demo scale and at force scale"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# The suite runs on every core (pytest-xdist), in a random order (pytest-randomly prints the
# seed; `make test PYTEST_ARGS="-p randomly -p 'randomly_seed=N'"` replays one). Tests that share
# a module-scoped fixture stay on one worker (tests/conftest.py).
WORKERS ?= auto
PYTEST_ARGS ?=
test: install
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Under a minute: the state machines' rule tables, the pure units and one smoke test per area.
CHECK_TESTS = tests/workflows tests/test_smoke.py tests/test_similarity.py tests/test_resources_planning.py
check: install
	$(BIN)/python -m pytest -n $(WORKERS) $(CHECK_TESTS) $(PYTEST_ARGS)

# ruff's rule set and mypy's strictness live in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: install
	$(BIN)/ruff check pmo_web workflows tests bench migrations
	$(BIN)/mypy workflows

# The tables and diagrams in docs/rules.md are written from the state machines in workflows/;
# tests/workflows/test_describe.py fails until this is run after a rule changes.
docs: install
	$(BIN)/python -m workflows.describe --write docs/rules.md

# Time the key pages at demo scale and at force scale (see bench/bench.py; a few minutes).
bench: install
	$(BIN)/python -m bench.bench

# Refresh the pinned front-end assets in static/vendor/ (needs npm; not part of run or test).
vendor:
	rm -rf /tmp/pmo-vendor && mkdir -p /tmp/pmo-vendor
	cd /tmp/pmo-vendor && npm init -y >/dev/null && npm install --no-audit --no-fund \
	    htmx.org@$(HTMX_VERSION) govuk-frontend@$(GOVUK_VERSION) sass@1
	cp /tmp/pmo-vendor/node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp /tmp/pmo-vendor/node_modules/htmx.org/LICENSE static/vendor/htmx/LICENSE
	cp /tmp/pmo-vendor/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk-frontend/
	cd /tmp/pmo-vendor && npx sass --load-path=node_modules --style=compressed --no-source-map --quiet \
	    $(CURDIR)/static/vendor/govuk-frontend/build.scss $(CURDIR)/static/vendor/govuk-frontend/govuk-frontend.min.css

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache
