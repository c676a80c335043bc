# Two commands matter: `make demo` runs the product on the sandbox, `make test` runs the tests.
# Both create .venv and install the pinned dependencies on first use.
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: demo test lint ui

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/ornd-visma demo --defects 0.02

# Two workers for the two cores CI has (not -n auto: a container may report the host's CPUs);
# --dist loadfile keeps a file's tests, and its module fixtures' runs, on one worker.
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=10

ui: $(BIN)/.installed
	$(BIN)/dagster dev -w workspace.yaml
