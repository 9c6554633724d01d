# realreach — set-up is two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
REALREACH_HOME ?= $(CURDIR)/.realreach
export REALREACH_HOME

.DEFAULT_GOAL := help
.PHONY: help venv demo run test lint format sql-lint bench eval fuzz airflow clean

help:
	@echo "make demo      create the virtualenv if needed, then run 'realreach demo' (home: $(REALREACH_HOME))"
	@echo "make test      lint + the full test suite (what CI runs)"
	@echo "make run       process everything new in \$$REALREACH_HOME/landing"
	@echo "make bench     ingestion, pipeline and landing-to-alert latency benchmarks (bench-results/)"
	@echo "make eval      spike detector, mean±3σ baseline and an oracle on a grid of simulator assumptions (bench-results/eval.json, eval.md)"
	@echo "               audience audit: follower quality, batches, real followers (bench-results/eval_audience.json)"
	@echo "make fuzz      property-based fuzzing of every landing parser (Hypothesis, >=100k inputs, a few minutes)"
	@echo "make airflow   Airflow standalone with realreach's DAGs on http://localhost:8080"
	@echo "make lint | format | sql-lint | clean"

# The lock file is the source of truth; uv installs exactly it, from PyPI only.
# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on shared machines), every process
# would otherwise compile pandas, pyarrow, dbt and GX from source at each start (seconds each).
$(BIN)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --compile-bytecode --python $(BIN)/python
	@touch $@

venv: $(BIN)/.synced

demo: venv
	$(BIN)/realreach demo --home "$(REALREACH_HOME)"
	@echo "report: $(REALREACH_HOME)/report/index.html"

run: venv
	$(BIN)/realreach run --home "$(REALREACH_HOME)"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

sql-lint: venv
	$(BIN)/sqlfluff lint dbt_project/models

test: lint
	$(BIN)/pytest

# SIZES=200 to run one size (dlt, DuckDB read_json and pyarrow.json run at 200 accounts only;
# 1000 takes about 40 min on a shared 2-core machine)
SIZES ?= 200,1000
bench: venv
	$(BIN)/python benchmarks/run.py --sizes $(SIZES)
	$(BIN)/python benchmarks/latency.py  # landing -> alert on the real Airflow

eval: venv
	$(BIN)/python benchmarks/eval.py $(EVAL_ARGS)  # e.g. EVAL_ARGS="--tune --cells 1 5"
	$(BIN)/python benchmarks/eval_audience.py  # follower quality, batches, real followers

# Every parser through ingestion's own parse_file; exit 1 and a list when anything but a
# quarantine (IngestError) comes out. FUZZ_EXAMPLES is per parser and input family (15 x 4), each input tried in 5 variants.
FUZZ_EXAMPLES ?= 350
fuzz: venv
	$(BIN)/python -m tests.fuzz_parsers --examples $(FUZZ_EXAMPLES)

airflow: venv
	REALREACH_HOME="$(REALREACH_HOME)" bash scripts/airflow-standalone.sh

clean:
	rm -rf .realreach .pytest_cache .ruff_cache dbt_project/target dbt_project/logs bench-results
