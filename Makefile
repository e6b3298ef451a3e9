# The two entry points of the README. Each makes its own virtual environment, so a fresh
# clone needs nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test lint typecheck eval

demo: install
	$(BIN)/outpost demo

test: install-test lint typecheck
	$(BIN)/python -m pytest
	$(BIN)/outpost eval --check

# Quality on the dev sets in ../shared/data, against the floors pinned in
# src/outpost/evaluate/floors.toml.
eval: install
	$(BIN)/outpost eval --check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck:
	$(BIN)/mypy
