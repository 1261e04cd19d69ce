#!/usr/bin/env bash
# docker compose's init service: write the connections, migrate Airflow's metadata, create buckets, seed a day.
set -euo pipefail
python -m top_items world compose-env --out "${WORLD_ENV:-/state/world.env}"
set -a; source "${WORLD_ENV:-/state/world.env}"; set +a
python -m top_items database airflow
airflow db migrate
python -m top_items buckets
python -m top_items simulate --date "${FEED_DATE:-2026-11-25}" --bad-row-rate 0.005 --missing-feeds 1
