"""Airflow Assets for everything the pipeline writes, so the UI's asset graph shows who depends on what."""

from __future__ import annotations

from airflow.sdk import Asset

from top_items import settings


def table(qualified_name: str) -> Asset:
    return Asset(name=f"warehouse.{qualified_name}", uri=f"warehouse://{qualified_name.replace('.', '/')}",
                 group="warehouse")


LANDING_FEEDS = Asset(name="landing.inventory_feeds", uri=f"s3://{settings.LANDING_BUCKET}/{settings.FEED_PREFIX}/",
                      group="landing")
LANDING_REFERENCE = Asset(name="landing.reference_snapshots",
                          uri=f"s3://{settings.LANDING_BUCKET}/{settings.REFERENCE_PREFIX}/", group="landing")
RAW_REFERENCE = [table(f"raw.{name}") for name in settings.REFERENCE_TABLES]
RAW_FEED = [table("raw.inventory_feed"), table("raw.feed_quarantine")]
RAW_FEEDBACK = [table("raw.retailer_feedback"), table("raw.feedback_quarantine"), table("raw.overrides")]


def consumer(name: str) -> Asset:
    """What a consumer receives; the retailer app's handoff is an S3 prefix, the others are API objects."""
    if name == "retailer_app":
        return Asset(name="consumer.retailer_app",
                     uri=f"s3://{settings.RETAILER_APP_BUCKET}/{settings.RETAILER_APP_PREFIX}/", group="consumers")
    return Asset(name=f"consumer.{name}", uri=f"consumer://{name}", group="consumers")
