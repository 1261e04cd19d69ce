#!/usr/bin/env bash
# make demo: fresh world -> simulate day D -> `airflow dags test top_items_pipeline D` -> summary -> world down.
set -euo pipefail
cd "$(dirname "$0")/.."
FEED_DATE="${1:?usage: demo.sh YYYY-MM-DD}"
PY=.venv/bin/python
started=$(date +%s)

# The demo's own world, fresh each time, so it never mixes with a world `make up` left running.
$PY -m top_items world up --name .world-demo --fresh
trap '$PY -m top_items world down --name .world-demo >/dev/null' EXIT
set -a; source .world-demo.env; set +a
export AIRFLOW_HOME="$PWD/.airflow-demo"

rm -rf "$AIRFLOW_HOME"; mkdir -p "$AIRFLOW_HOME"
echo "--- airflow db migrate (metadata in $AIRFLOW_HOME)"
.venv/bin/airflow db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1 || { tail -20 "$AIRFLOW_HOME/migrate.log"; exit 1; }

echo "--- simulate_source_systems: stores and the sync tool write day $FEED_DATE to s3://landing/"
$PY -m top_items simulate --date "$FEED_DATE" --bad-row-rate 0.005 --missing-feeds 1

echo "--- airflow dags test top_items_pipeline $FEED_DATE (log: $AIRFLOW_HOME/demo-run.log)"
if ! .venv/bin/airflow dags test top_items_pipeline "$FEED_DATE" >"$AIRFLOW_HOME/demo-run.log" 2>&1 \
    || grep -q "state=failed\|DagRunState.FAILED" "$AIRFLOW_HOME/demo-run.log"; then
  grep -E "ERROR|Traceback|Exception|state=failed" "$AIRFLOW_HOME/demo-run.log" | tail -30
  echo "the pipeline failed; full log in $AIRFLOW_HOME/demo-run.log"
  exit 1
fi

echo
$PY -m top_items summary --date "$FEED_DATE"
echo
$PY -m top_items latest --stores 3
echo "(the demo's world stops now; \`make up\` starts one that stays, with .world.env to source)"
echo
echo "demo finished in $(( $(date +%s) - started ))s"
