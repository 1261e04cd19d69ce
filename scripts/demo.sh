#!/usr/bin/env bash
# make demo: fresh world -> simulate day D -> `airflow dags test top_items_pipeline D` -> summary -> world down.
# The terminal shows what a person reads; every step's log is kept in $AIRFLOW_HOME (.airflow-demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
FEED_DATE="${1:?usage: demo.sh YYYY-MM-DD}"
PY=.venv/bin/python
started=$(date +%s)
export AIRFLOW_HOME="$PWD/.airflow-demo"
rm -rf "$AIRFLOW_HOME"; mkdir -p "$AIRFLOW_HOME"
CLI_LOG="$AIRFLOW_HOME/demo-cli.log"
trap 'status=$?; if [ $status -ne 0 ]; then echo "demo failed; the last lines of $CLI_LOG:"; tail -25 "$CLI_LOG"; fi' EXIT

# The demo's own world, fresh each time, so it never mixes with a world `make up` left running.
$PY -m top_items world up --name .world-demo --fresh 2>>"$CLI_LOG"
trap 'status=$?; $PY -m top_items world down --name .world-demo >/dev/null 2>&1
      if [ $status -ne 0 ]; then echo "demo failed; the last lines of $CLI_LOG:"; tail -25 "$CLI_LOG"; fi' EXIT
set -a; source .world-demo.env; set +a
export AIRFLOW_HOME="$PWD/.airflow-demo"  # the env file names .airflow/, the persistent world's home

echo "--- airflow db migrate (metadata in $AIRFLOW_HOME)"
.venv/bin/airflow db migrate >>"$CLI_LOG" 2>&1

echo "--- simulate_source_systems: stores and the sync tool write day $FEED_DATE to s3://landing/"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items simulate --date "$FEED_DATE" --bad-row-rate 0.005 --missing-feeds 1 2>>"$CLI_LOG"

echo "--- airflow dags test top_items_pipeline $FEED_DATE (log: $AIRFLOW_HOME/demo-run.log)"
if ! .venv/bin/airflow dags test top_items_pipeline "$FEED_DATE" >"$AIRFLOW_HOME/demo-run.log" 2>&1 \
    || grep -q "state=failed\|DagRunState.FAILED" "$AIRFLOW_HOME/demo-run.log"; then
  grep -E "ERROR|Traceback|Exception|state=failed" "$AIRFLOW_HOME/demo-run.log" | tail -30
  echo "the pipeline failed; full log in $AIRFLOW_HOME/demo-run.log"
  exit 1
fi

echo
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items summary --date "$FEED_DATE" 2>>"$CLI_LOG"
echo
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items latest --stores 3 2>>"$CLI_LOG"
echo "(the demo's world stops now. The commands above run in the world \`make up\` keeps; run the day there first:"
echo " make up && source .world.env && .venv/bin/airflow db migrate && .venv/bin/python -m top_items simulate --date $FEED_DATE \\"
echo "   && .venv/bin/airflow dags test top_items_pipeline $FEED_DATE)"
echo
echo "demo finished in $(( $(date +%s) - started ))s"
