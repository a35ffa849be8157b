# The two commands: `make run` (the portal, its worker and sandbox) and `make test` (lint + tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= demo-pass-2026
# Where `make run` serves the portal, and the address it tells people (and its own sandbox client) to use.
WEB_BIND ?= 127.0.0.1:8000
PORTAL_URL ?= http://$(WEB_BIND)
PIP_QUIET := --quiet --quiet --disable-pip-version-check

.PHONY: run test lint install install-dev chromium translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install $(PIP_QUIET) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install $(PIP_QUIET) -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Development run on SQLite: DEBUG on, the sandbox as Marketing Cloud, demo users printed.
run: export DEBUG ?= true
run: export WEB_BIND := $(WEB_BIND)
run: export PORTAL_URL := $(PORTAL_URL)
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py bootstrap_demo --password "$(DEMO_PASSWORD)"
	@echo "OTT Portal: $(PORTAL_URL)  (listening on $(WEB_BIND); Ctrl-C stops the web server and the worker)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's chromium, with Debian's CJK and emoji fonts so Japanese and emoji render
# in screenshots; the translation tests run GNU gettext (`makemessages`). Installed here when missing and
# we are root; otherwise those tests skip with a message (and fail under CI=true).
TEST_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji gettext
chromium:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's $$missing for the browser tests"; \
	    apt-get install -y -qq $$missing >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $$missing; }; \
	  else echo "$$missing not installed and this is not root: the browser tests may skip or render fonts as boxes"; fi; \
	fi

# After changing words in the UI: update the Japanese catalogues (locale/ja/LC_MESSAGES/*.po), translate
# what is new or marked fuzzy, then run this again to compile the .mo files (committed). README "Languages".
translations: export DEBUG ?= true
translations: $(VENV)/.installed chromium
	$(BIN)/python manage.py makemessages --locale ja --no-obsolete
	$(BIN)/python manage.py makemessages --domain djangojs --locale ja --no-obsolete
	$(BIN)/python manage.py compilemessages --locale ja --ignore '.venv'

# Benchmarks (figures, not tests): see bench/README.md. DATABASE_URL=postgres://... runs them there.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/send_throughput.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/audience_upload.py
	$(BIN)/python bench/send_upload.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/audit_trail.py

clean:
	rm -rf $(VENV) var staticfiles
