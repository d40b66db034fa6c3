# The whole set-up on a fresh machine: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench migration clean

$(STAMP): setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,demo]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/triage demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

# Autogenerate an Alembic revision from triage/models.py: make migration MSG="what changed"
migration: $(STAMP)
	$(BIN)/python migrations/new_revision.py $(MSG)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
