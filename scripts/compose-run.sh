#!/usr/bin/env bash
# Run an Airflow component of the compose stack with the connections airflow-init wrote.
set -euo pipefail
set -a; source "${WORLD_ENV:-/state/world.env}"; set +a
exec "$@"
