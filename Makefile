# The whole set-up on a fresh machine: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint coverage bench migration clean

$(STAMP): setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,demo]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/triage demo $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# The suite under coverage, the processes it starts included (pyproject.toml's
# [tool.coverage.*]): the .pth file starts coverage in every Python process of the venv that
# has COVERAGE_PROCESS_START set, and does nothing in the others.
coverage: $(STAMP)
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "triage-coverage.pth").write_text("import coverage; coverage.process_startup()\n")'
	rm -f .coverage .coverage.*
	COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml COVERAGE_FILE=$(CURDIR)/.coverage \
	  $(BIN)/python -m pytest -q $(PYTEST_ARGS)
	$(BIN)/coverage combine -q
	$(BIN)/coverage report

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

# Autogenerate an Alembic revision from triage/models.py: make migration MSG="what changed"
migration: $(STAMP)
	$(BIN)/python migrations/new_revision.py $(MSG)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .coverage .coverage.* htmlcov
