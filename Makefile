# Gaizao — two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers; each gets its own test database. Modules stay on one worker (--dist loadfile), longest
# first in the order tests/conftest.py gives them (--no-loadscope-reorder keeps that order).
TEST_WORKERS ?= 2

.PHONY: demo test check lint bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## demo: create the environment, migrate, load the Hangzhou demo data, serve on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/gaizao demo

## test: create the environment and run every test (DATABASE_URL selects the database; default SQLite)
test: $(STAMP)
	$(BIN)/python -m django makemigrations --check --dry-run --settings=gaizao.web.settings
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

## check: the fast tier (lint, format, types, the layer rule, the pure cores, the services) — before every commit;
## timings in docs/development.md
CHECK_TESTS ?= tests/test_layers.py tests/policy tests/spatial $(wildcard tests/*/test_services*.py)
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not slow and not browser" \
		$(CHECK_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: side-by-side benchmarks against the tools a user would otherwise choose
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
