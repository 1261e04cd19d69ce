#!/usr/bin/env bash
# docker compose's init service: check the warehouse, migrate Airflow's metadata, import the connections, the
# pools and the demo login, create the buckets, and simulate the days a first run asks for: the seeded day
# (FEED_DATE, what the first trigger in docs/running.md passes) and today (what a scheduled run or a trigger without
# conf uses).
set -euo pipefail
python -m sandbox world compose-env --out "${WORLD_ENV:-/state/world.env}"
set -a; source "${WORLD_ENV:-/state/world.env}"; set +a
python -m sandbox.world.compose check-warehouse
python -m sandbox database airflow
airflow db migrate
python -m sandbox.world.compose connections --out /state/connections.json
airflow connections import /state/connections.json --overwrite
airflow pools import scripts/compose-pools.json
python -m sandbox.world.compose login --out "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-/state/airflow-passwords.json}"
python -m sandbox buckets
python -m sandbox simulate --date "${FEED_DATE:-2026-11-25}" --bad-row-rate 0.005 --missing-feeds 1
python -m sandbox simulate --date "$(date -u +%F)" --bad-row-rate 0.005 --missing-feeds 1
