# Two entry points: `make demo` (set up, build the demo project, open it) and
# `make test` (set up, run the whole test suite). Everything else supports them.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION ?= 2.13.0

.PHONY: setup demo demo-report test lint bench clean

setup: $(STAMP)

# Install the pinned CPU build of torch first: left to itself, pip resolves torch to a
# multi-gigabyte CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(BIN)/qualcode demo $(DEMO_ARGS)

# Rewrite the README's "What the demo shows" section from a freshly built demo project.
demo-report: setup
	tmp=$$(mktemp -d) && cd $$tmp && $(CURDIR)/$(BIN)/qualcode demo --no-open --quiet --report $(CURDIR)/README.md; \
		status=$$?; rm -rf $$tmp; exit $$status

test: setup
	@command -v tmux >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq tmux >/dev/null) \
		|| echo "tmux could not be installed: the real-terminal test will be skipped"
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check qualcode tests
	$(BIN)/lint-imports

bench: setup
	for script in tests/bench/bench_*.py; do echo "# $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
