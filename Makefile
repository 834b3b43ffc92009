# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres lint format assets bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime packages; re-installed when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Runtime and test packages.
$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

GOVUK := node_modules/govuk-frontend/dist/govuk
static/css/app.css: node_modules/.installed $(wildcard static/scss/*.scss)
	mkdir -p static/css static/vendor/govuk
	npx sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps \
		static/scss/app.scss static/css/app.css
	cp $(GOVUK)/govuk-frontend.min.js static/vendor/govuk/

assets: static/css/app.css

# A real OpenID provider (the npm package oidc-provider) for the staff sign-in tests.
OIDC_PROVIDER := tests/oidc/node_modules/.installed
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	touch $@

# Set up everything, load the demo and serve on http://127.0.0.1:5000 with the email worker
# beside it (Ctrl+C stops both). Without MAIL_SERVER, emails are written to instance/mail/.
run: $(VENV)/.runtime assets
	SESSION_COOKIE_SECURE=false $(FLASK) db upgrade
	SESSION_COOKIE_SECURE=false $(FLASK) demo load
	export SESSION_COOKIE_SECURE=false PREFERRED_URL_SCHEME=http BASE_URL=http://$(HOST):$(PORT); \
	$(FLASK) mail worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite: lint, the layers' import contract, then every test. DATABASE_URL chooses the database.
test: $(VENV)/.test assets $(OIDC_PROVIDER)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

test-postgres: $(VENV)/.test assets $(OIDC_PROVIDER)
	DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.test assets
	$(BIN)/python bench/dates_throughput.py
	$(BIN)/python bench/booking_rate.py
	$(BIN)/python bench/media_streaming.py
	$(BIN)/python bench/admin_pages.py
	$(BIN)/python bench/outbox_rate.py
	$(BIN)/python bench/sign_in.py

clean:
	rm -rf $(VENV) node_modules tests/oidc/node_modules static/css static/vendor
