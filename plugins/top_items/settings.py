"""Names shared by every part of the stack: connection ids (a consumer's is in its registry entry), buckets, paths.

Configuration that changes between environments lives in Airflow connections (``AIRFLOW_CONN_*``);
this module only names them, so a DAG, a task and a test all point at the same thing.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = REPO_ROOT / "include"
SQL_DIR = INCLUDE_DIR / "sql"
CONTRACTS_DIR = INCLUDE_DIR / "contracts"

# Airflow connection ids (edge contract: docs/contracts.md, "Connections"). A consumer's connection is part of its
# entry in include/contracts/consumers.yml (registry.consumer(name).connection), next to what is pushed through it.
WAREHOUSE_CONN_ID = "warehouse"
AWS_CONN_ID = "aws_default"
PAGER_CONN_ID = "pager"
SMTP_CONN_ID = "smtp"  # the mail server alert emails are submitted to (top_items/alert_routes.py)
LINEAGE_CONN_ID = "lineage"  # the lineage receiver; its extra is the OpenLineage client config
LINEAGE_NAMESPACE = "top_items"  # the OpenLineage namespace of this stack's jobs

# Buckets and prefixes (edge contract: the feed files and the retailer-app handoff).
PIPELINE_DAG_ID = "top_items_pipeline"  # the control plane's DAG (dags/top_items_pipeline.py)
LANDING_DAG_ID = "landing"  # records what lands and announces ready days (dags/landing.py)
LANDING_CLOCK_DAG_ID = "landing_clock"  # the cutoff's, the deadline's and the promises' clock (dags/landing_clock.py)
LANDING_BUCKET = "landing"
FEED_PREFIX = "inventory"
REFERENCE_PREFIX = "reference"
# The landing bucket tells this SQS queue of every object created under its feed and reference prefixes
# (docs/landing.md); its URL differs per environment, so the watcher reads it from this Airflow variable.
LANDING_QUEUE = "landing-events"
LANDING_QUEUE_URL_VARIABLE = "landing_queue_url"
# A simulated world's clock for the landing side (top_items/landing/clock.py); unset in production.
LANDING_CLOCK_VARIABLE = "landing_clock"
LANDING_PREFIXES = (FEED_PREFIX, REFERENCE_PREFIX)
RETAILER_APP_BUCKET = "retailer-app"
RETAILER_APP_PREFIX = "top-items"
# The retailer app's feedback on its recommendations (edge contract: docs/contracts.md, "Retailer feedback").
FEEDBACK_PREFIX = "feedback"
FEEDBACK_COLUMNS = ("store_id", "sku_id", "reason")
FEEDBACK_REASONS = ("not_for_my_store", "seasonal")

FEED_COLUMNS = ("store_id", "sku_id", "remaining_qty", "reported_at")
# The reference snapshots' headers (edge contract), in load order: order lines refer to stores and SKUs.
REFERENCE_COLUMNS = {
    "stores": ("store_id", "store_name", "market_id", "license_type", "email", "salesforce_account_id"),
    "skus": ("sku_id", "name", "brand", "category", "is_liquor", "volume_ml", "season_start_month",
             "season_end_month", "price"),
    "order_lines": ("order_id", "order_date", "store_id", "sku_id", "units", "revenue"),
}
REFERENCE_TABLES = tuple(REFERENCE_COLUMNS)

# The warehouse's setup, run once per run before anything loads (the DAG's setup task, tests and the CLI).
SETUP_SQL = ("raw/schema.sql", "raw/known_reference.sql", "raw/timestamp_check.sql", "raw/feedback_line.sql",
             "ops/schema.sql", "ops/quality.sql", "ops/drift.sql", "raw/overrides.sql", "ops/override_notices.sql")


def feed_prefix(feed_date: str) -> str:
    return f"{FEED_PREFIX}/feed_date={feed_date}/"


def feed_key(feed_date: str, store_id: str) -> str:
    return f"{feed_prefix(feed_date)}store_id={store_id}.csv"


FEED_FILE_NAME = re.compile(r"store_id=([^/]+)\.csv")


def feed_store_id(feed_date: str, key: str) -> str | None:
    """The store a feed object reports for, read from its key; None when the key is not a feed file's name."""
    name = key[len(feed_prefix(feed_date)):] if key.startswith(feed_prefix(feed_date)) else ""
    match = FEED_FILE_NAME.fullmatch(name)
    return match.group(1) if match else None


def reference_key(table: str, snapshot_date: str) -> str:
    return f"{REFERENCE_PREFIX}/{table}/snapshot_date={snapshot_date}/{table}.csv"


def feedback_prefix(feed_date: str) -> str:
    return f"{FEEDBACK_PREFIX}/feed_date={feed_date}/"
