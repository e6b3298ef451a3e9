# The two entry points of the README. Each makes its own virtual environment, so a fresh
# clone needs nothing but Python 3.11+, Node.js 20 with npm, and make.
PYTHON ?= python3
NPM    ?= npm
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test npm-ci browser lint typecheck eval

demo: install
	$(BIN)/outpost demo

test: install-test browser lint typecheck
	$(BIN)/python -m pytest
	$(BIN)/outpost eval --check

# Quality on the dev sets in ../shared/data, against the floors pinned in
# src/outpost/evaluate/floors.toml.
eval: install
	$(BIN)/outpost eval --check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The web pages' front-end packages, exactly as package-lock.json pins them, into
# node_modules/; the install targets then copy the files the pages need into the package
# (src/outpost/web/static/vendor, git-ignored, shipped in the wheel).
npm-ci:
	@command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "error: npm not found. The web pages' front-end packages are installed with npm:" \
	       "install Node.js 20 with npm (Debian: apt-get install nodejs npm), then run make again." >&2; \
	  exit 1; }
	$(NPM) ci --no-audit --no-fund

install: $(BIN)/python npm-ci
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m outpost.web.vendor

install-test: $(BIN)/python npm-ci
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m outpost.web.vendor

# The browser tests drive Debian's Chromium (Playwright never downloads a browser; a missing
# one fails them): installed with apt unless /usr/bin/chromium is there.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; \
	fi

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck:
	$(BIN)/mypy
