#!/usr/bin/env bash
# make demo: fresh world -> Airflow's scheduler, dag-processor, triggerer and API server -> day D-1 lands and runs
# -> overrides and a retailer's feedback -> day D lands over time, runs at its cutoff and again for a late file
# (sandbox/demo.py) -> summary, overrides, the feedback read back from every consumer -> world down.
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
$PY -m sandbox world up --name .world-demo --fresh 2>>"$CLI_LOG"
trap 'status=$?; $PY -m sandbox world down --name .world-demo >/dev/null 2>&1
      if [ $status -ne 0 ]; then echo "demo failed; the last lines of $CLI_LOG:"; tail -25 "$CLI_LOG"; fi' EXIT
set -a; source .world-demo.env; set +a
export AIRFLOW_HOME="$PWD/.airflow-demo"  # the env file names .airflow/, the persistent world's home

echo "--- airflow db migrate (the command line's metadata in $AIRFLOW_HOME; the services keep theirs in Postgres)"
.venv/bin/airflow db migrate >>"$CLI_LOG" 2>&1

# Nothing below runs a day by hand: each day runs when its files have landed, or at its cutoff.
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m sandbox.demo --date "$FEED_DATE" 2>>"$CLI_LOG"

echo "--- an override without an owner or an expiry is refused:"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items overrides add --id no-owner --sku K0001 --store S0001 \
  --reason "quick fix" --date "$FEED_DATE" 2>>"$CLI_LOG" || true

echo
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items summary --date "$FEED_DATE" 2>>"$CLI_LOG"
echo
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m sandbox latest --stores 3 2>>"$CLI_LOG"
echo
echo "--- python -m top_items overrides --date $FEED_DATE"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items overrides --date "$FEED_DATE" 2>>"$CLI_LOG"
echo
echo "--- python -m top_items destinations --feedback-date $FEED_DATE: the retailer's complaint, read back"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items destinations --feedback-date "$FEED_DATE" \
  2>>"$CLI_LOG"
echo
echo "--- python -m top_items test-alert: every owner's, producer's and the on-call's route, proved (the bar reads it)"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items test-alert 2>>"$CLI_LOG" || true
echo
echo "--- python -m top_items readiness"
AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING $PY -m top_items readiness 2>>"$CLI_LOG" || true
echo "(the demo's world stops now. The commands above run in the world \`make up\` keeps; run the day there first:"
echo " make up && source .world.env && .venv/bin/airflow db migrate && .venv/bin/python -m sandbox simulate --date $FEED_DATE \\"
echo "   && .venv/bin/airflow dags test top_items_pipeline $FEED_DATE)"
echo
echo "demo finished in $(( $(date +%s) - started ))s"
