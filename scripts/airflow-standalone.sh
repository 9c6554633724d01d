#!/usr/bin/env bash
# Airflow standalone (api-server, scheduler, dag-processor, triggerer in one process tree)
# running realreach's DAGs on http://localhost:8080. What `make airflow` runs.
#
#   REALREACH_HOME   the realreach home the DAGs work on (default: <repo>/.realreach)
#   Airflow's own state lives in $REALREACH_HOME/airflow (SQLite metadata DB, logs, login);
#   AIRFLOW_HOME overrides that. AIRFLOW__API__HOST / AIRFLOW__API__PORT: where the UI listens.
#   REALREACH_LANDING_POLL_SECONDS   how often the landing watch looks (default 2)
#
# Nothing is scheduled by the clock: the triggerer's landing watch starts realreach_ingest
# when a complete new export appears in $REALREACH_HOME/landing, and assets chain the rest.
# The same settings serve tests/test_airflow_e2e.py and benchmarks/latency.py.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REALREACH_HOME="${REALREACH_HOME:-$repo/.realreach}"
mkdir -p "$REALREACH_HOME/landing"
REALREACH_HOME="$(cd "$REALREACH_HOME" && pwd)"

# Airflow reads all of its configuration from these; nothing outside the home is touched.
export AIRFLOW_HOME="${AIRFLOW_HOME:-$REALREACH_HOME/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$repo/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# The DAGs are this project's whole point here: run them as soon as they are parsed.
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://localhost:$AIRFLOW__API__PORT}"
# Latency: file landed -> alert sent is a chain of five short tasks, so the time between
# them matters more than throughput. The scheduler loops without idling long, the landing
# watch polls every 2 s, and on 2 cores one parsing process and a few task slots are plenty
# (one writer at a time anyway: DuckDB). Measured by benchmarks/latency.py.
export AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME="${AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME:-0.25}"
export AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="${AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC:-2}"
export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="${AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES:-1}"
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export REALREACH_LANDING_POLL_SECONDS="${REALREACH_LANDING_POLL_SECONDS:-2}"
mkdir -p "$AIRFLOW_HOME"

if [[ -x "$repo/.venv/bin/airflow" ]]; then
    airflow="$repo/.venv/bin/airflow"
    python="$repo/.venv/bin/python"
    export PATH="$repo/.venv/bin:$PATH"  # standalone starts its components as `airflow ...`
else
    airflow="$(command -v airflow)" || {
        echo "airflow not found: run 'make venv' first" >&2
        exit 1
    }
    python="$(dirname "$airflow")/python"
fi

# Standalone writes the generated admin password here on first start, and after that
# only says that it exists; print it every time, once the file is there.
password_file="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
print_login() {
    for _ in $(seq 1 180); do
        if [[ -s "$password_file" ]]; then
            "$python" - "$password_file" "$AIRFLOW__API__BASE_URL" <<'PY' ||
import json, sys
users = json.load(open(sys.argv[1]))
for user, password in users.items():
    print(f"\n[realreach] Airflow UI {sys.argv[2]}  login: {user}  password: {password}")
print(f"[realreach] (stored in {sys.argv[1]})\n")
PY
                echo "[realreach] login stored in $password_file"
            return
        fi
        sleep 1
    done
    echo "[realreach] no password file at $password_file yet; see standalone's output" >&2
}

echo "[realreach] REALREACH_HOME=$REALREACH_HOME"
echo "[realreach] AIRFLOW_HOME=$AIRFLOW_HOME  dags: $AIRFLOW__CORE__DAGS_FOLDER"
echo "[realreach] drop platform exports into $REALREACH_HOME/landing/<platform>/<kind>/"
print_login &
exec "$airflow" standalone
