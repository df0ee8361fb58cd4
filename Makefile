# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export PORTAL_VAR_DIR ?= var

.PHONY: run test unit unit-pg e2e system-deps lint lock messages bench bench-fanout clean

# What make installs: hashed lock files under requirements/ (`make lock` writes them), so a fresh
# clone gets exactly the packages the tests passed with; then the portal itself, built with the
# pinned build backend (no unpinned download). run.txt: what a SQLite site needs; server.txt: a
# production server's extras too (PostgreSQL, Redis, Sentry, matrix-nio; see deploy/); test.txt: every extra and
# the test tools.
REQS := requirements
INSTALL := $(BIN)/python -m pip install -q --require-hashes --no-deps -r
INSTALL_SELF := $(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .

$(VENV)/.installed-run: pyproject.toml $(REQS)/run.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(INSTALL) $(REQS)/run.txt
	$(INSTALL_SELF)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(REQS)/test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(INSTALL) $(REQS)/test.txt
	$(INSTALL_SELF)
	touch $@ $(VENV)/.installed-run

## run: set up, migrate, seed the demo on the first run, serve on http://127.0.0.1:$(PORT)
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed-run
	$(BIN)/portal migrate
	$(BIN)/portal seed-demo --if-empty
	@if [ -f $(PORTAL_VAR_DIR)/demo_password ]; then \
	  echo "Demo accounts: patron@example.org committee@example.org staff@example.org admin@example.org"; \
	  echo "Their password: $$(cat $(PORTAL_VAR_DIR)/demo_password)"; fi
	@echo "Serving on http://$(HOST):$(PORT) (the notification worker runs beside it)"
	@SMTP_URL=$${SMTP_URL:-log://} $(BIN)/portal worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/portal serve --host $(HOST) --port $(PORT)

## system-deps: Debian packages the tests need (Chromium and a Chinese font for it, PostgreSQL,
## Redis, Node.js, Java for the HTML checker, nginx and the tools that check deploy/: openssl,
## systemd-analyze; dovecot, the IMAP server `portal inbox --imap` is tested against), installed
## when missing
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || fc-list :lang=zh-cn 2>/dev/null | grep -q . \
	  || missing="$$missing fonts-wqy-microhei"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -x /usr/sbin/nginx || command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	test -x /usr/sbin/dovecot || missing="$$missing dovecot-imapd"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The single sign-on tests run a real OpenID provider (npm's oidc-provider, tests/oidc/).
OIDC_NODE := tests/oidc/node_modules/.installed
$(OIDC_NODE): tests/oidc/package-lock.json | system-deps
	npm ci --prefix tests/oidc --no-audit --no-fund
	touch $@

# The HTML validity test runs the Nu Html Checker (npm's vnu-jar, tests/html/) with the system's
# Java. --ignore-scripts: vnu-jar's install script would otherwise download a Java of its own.
HTML_NODE := tests/html/node_modules/.installed
$(HTML_NODE): tests/html/package-lock.json | system-deps
	npm ci --prefix tests/html --no-audit --no-fund --ignore-scripts
	touch $@

## test: lint, type check, unit and integration tests on SQLite and on a throwaway PostgreSQL, then e2e in Chromium
test: $(VENV)/.installed-test system-deps $(OIDC_NODE) $(HTML_NODE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal
	$(BIN)/pytest -q tests
	PORTAL_TEST_DB=postgresql $(BIN)/pytest -q -n 2 --dist loadgroup tests
	$(BIN)/pytest -q e2e

unit: $(VENV)/.installed-test system-deps $(OIDC_NODE)
	$(BIN)/mypy portal
	$(BIN)/pytest -q tests

unit-pg: $(VENV)/.installed-test system-deps $(OIDC_NODE)
	PORTAL_TEST_DB=postgresql $(BIN)/pytest -q -n 2 --dist loadgroup tests

e2e: $(VENV)/.installed-test system-deps $(OIDC_NODE) $(HTML_NODE)
	$(BIN)/pytest -q e2e

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal

## lock: write requirements/run.txt, server.txt and test.txt again from pyproject.toml (UPGRADE=1: newest allowed)
UV := .venv-tools/bin/uv
$(UV):
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/python -m pip install -q uv==0.13.9

lock: $(UV)
	$(UV) pip compile -q pyproject.toml $(REQS)/build.in --generate-hashes --python-version 3.11 \
	  $(if $(UPGRADE),--upgrade) -o $(REQS)/run.txt
	$(UV) pip compile -q pyproject.toml $(REQS)/build.in --extra postgresql --extra redis --extra sentry --extra matrix \
	  --generate-hashes --python-version 3.11 $(if $(UPGRADE),--upgrade) -o $(REQS)/server.txt
	$(UV) pip compile -q pyproject.toml $(REQS)/build.in --all-extras --generate-hashes \
	  --python-version 3.11 $(if $(UPGRADE),--upgrade) -o $(REQS)/test.txt

## messages: extract translatable strings into portal/locales/messages.pot and merge them into each catalog
messages: $(VENV)/.installed-run
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 \
	  --no-location --sort-output --project "Co-design portal" \
	  --version "$$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" \
	  -o portal/locales/messages.pot.new portal templates
	@if diff -q -I '^"POT-Creation-Date: ' portal/locales/messages.pot portal/locales/messages.pot.new >/dev/null 2>&1; \
	then rm portal/locales/messages.pot.new; \
	else mv portal/locales/messages.pot.new portal/locales/messages.pot; fi
	$(BIN)/pybabel -q update -i portal/locales/messages.pot -d portal/locales -D messages \
	  --ignore-obsolete --ignore-pot-creation-date
	@echo "Translate any new or fuzzy entries in portal/locales/*/LC_MESSAGES/messages.po;"
	@echo "tests/test_i18n.py names the ones still missing."

## bench: load test against a seeded database (see bench/run.py; --small for a quick look;
## DB=postgresql for a throwaway PostgreSQL with 2 and 4 app workers)
DB ?= sqlite
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py --db $(DB) $(BENCH_ARGS)

bench-fanout: $(VENV)/.installed-test
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) build dist *.egg-info
