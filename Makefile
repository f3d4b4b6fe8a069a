# The README's commands: `make run`, `make test`, `make bench`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint test-sqlite test-postgres bench bench-tools worker translations messages clean oidc-provider sso-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# The SSO tests run a real OpenID Connect provider (panva/oidc-provider from npm, tests/oidc/provider.mjs):
# its node modules come from the lock file. Without npm the SSO tests are skipped (they say why), except under
# CI=true, where that is a failure.
OIDC_DIR := tests/oidc
$(OIDC_DIR)/node_modules/.installed: $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	elif [ "$$CI" = true ]; then \
	  echo "npm is required under CI=true: the SSO tests run a real OpenID Connect provider"; exit 1; \
	else echo "warning: npm is not installed: the SSO tests will be skipped"; fi

oidc-provider: $(OIDC_DIR)/node_modules/.installed

# A local OpenID Connect provider for the demo organization (README "Single sign-on"): issuer
# http://127.0.0.1:9400, client ambassador-demo, accounts in tests/oidc/demo.json. Its redirect URI is the demo
# organization's callback under the same PUBLIC_BASE_URL as `make run` (so give both the same PORT).
SSO_DEMO_PORT ?= 9400
sso-demo: oidc-provider
	node $(OIDC_DIR)/provider.mjs --port $(SSO_DEMO_PORT) --config $(OIDC_DIR)/demo.json \
	  --redirect-uri $(PUBLIC_BASE_URL)/sso/demo/callback

translations: $(VENV)/.runtime
	$(BIN)/python -m ambassador.translations.compile

messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --ignore-dirs=".venv bench tests" -o ambassador/translations/messages.pot .
	$(BIN)/pybabel -q update -i ambassador/translations/messages.pot -d ambassador/translations --no-fuzzy-matching

# Links in posts and emails point at the dev server (infra/urls.py builds them over PUBLIC_BASE_URL),
# unless PUBLIC_BASE_URL is set in the environment (e.g. a tunnel's public address).
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
DEV_ENV = AMBASSADOR_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL)

run: $(VENV)/.runtime translations
	mkdir -p instance
	$(DEV_ENV) $(BIN)/flask db upgrade
	$(DEV_ENV) $(BIN)/flask ambassador demo
	$(DEV_ENV) SCHEDULER_IN_PROCESS=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

worker: $(VENV)/.runtime
	$(DEV_ENV) $(BIN)/flask ambassador worker

# Before the suite (settings in pyproject.toml): lint and import order, the layer rules
# (DESIGN.md "Layout"), then the types of models, infra, services and providers.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(VENV)/.dev translations lint oidc-provider
	$(BIN)/python tests/run_suite.py

test-sqlite: $(VENV)/.dev translations oidc-provider
	$(BIN)/python -m pytest -q

test-postgres: $(VENV)/.dev translations oidc-provider
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest -q

# The redirect bench drives gunicorn with wrk (Debian's package): installed here when missing and possible
# (root with apt-get); otherwise bench/redirect.py warns and falls back to its Python load generator.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1; } \
	  || echo "warning: wrk is not installed and could not be (apt-get install wrk); bench/redirect.py falls back to Python"

bench: $(VENV)/.dev translations bench-tools
	$(BIN)/python bench/redirect.py
	$(BIN)/python bench/redirect.py --database $(TEST_POSTGRES_URL)
	$(BIN)/python bench/publish.py --database $(TEST_POSTGRES_URL)
	$(BIN)/python bench/leaderboard.py
	$(BIN)/python bench/leaderboard.py --database $(TEST_POSTGRES_URL)

clean:
	rm -rf $(VENV) .pytest_cache $(OIDC_DIR)/node_modules
