#!/usr/bin/env bash
# make ui: Airflow's API server (the UI), scheduler, DAG processor and triggerer on the world `make up` started,
# in the foreground. Ctrl-C or SIGTERM stops every process this script started, children included (each runs in
# its own process group); the world itself stays up until `make down`.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; source .world.env; set +a
export PATH="$PWD/.venv/bin:$PATH"
# LocalExecutor starts one worker process per parallelism slot (32 by default, about 6 GiB): a laptop needs few.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
PORT="${AIRFLOW_PORT:-8080}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://localhost:$PORT/execution/"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping Airflow (${#pids[@]} process groups)"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 30); do
    alive=0; for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap 'stop; exit 0' INT TERM  # a stop the user asked for is a clean exit
trap stop EXIT

airflow db migrate >/dev/null
for component in "api-server --host 127.0.0.1 --port $PORT" scheduler dag-processor triggerer; do
  # shellcheck disable=SC2086  # the component's arguments split on purpose
  setsid airflow $component >"$AIRFLOW_HOME/ui-${component%% *}.log" 2>&1 &
  pids+=($!)
done
echo "Airflow UI: http://127.0.0.1:$PORT (user admin, password in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
echo "The product's pages (docs/pages.md): http://127.0.0.1:$PORT/top-items/stores, or the UI's Browse menu"
echo "logs: $AIRFLOW_HOME/ui-*.log. Ctrl-C (or SIGTERM to this process) stops Airflow; \`make down\` stops the world."
wait -n "${pids[@]}" || true
echo "an Airflow component exited; see $AIRFLOW_HOME/ui-*.log"
exit 1
