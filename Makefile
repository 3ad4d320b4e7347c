# The two commands of the README:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup tools demo test test-fast lint check bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml labextension/package.json $(wildcard labextension/src/*.ts labextension/style/* labextension/schema/*)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The independent judges of the round-trip tests, in their own environment: pydoclint depends on
# docstring_parser_fork, which installs a module named docstring_parser over the real one that docgen needs;
# numpydoc (its validator, the reference for NumPy style) brings Sphinx. The tests call both as subprocesses.
TOOLS := .venv-tools

tools: $(TOOLS)/.installed

$(TOOLS)/.installed: Makefile
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "pydoclint==0.12.0" "numpydoc==1.11.0"
	touch $@

# The main job, offline (no credentials): document a messy analysis script and show the diff.
demo: setup
	$(BIN)/docgen examples/messy_analysis.py --diff

# ruff (with the D rules: Google convention, imperative summaries), mypy (strict on core/), the project's own check.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/docgen --check docgen_magic

test: lint tools
	DOCGEN_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q

# The pure core, providers, CLI and API against the loopback fake: no kernel, no browser (seconds, not minutes).
test-fast: setup tools
	DOCGEN_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q -m "not kernel and not browser and not slow"

bench: setup
	$(BIN)/python benchmarks/run_all.py
