"""Moved to destinations/retailer_app.py; this name stays until the tests outside activation/ import it there."""

from top_items.activation.destinations.retailer_app import run_folder_id

__all__ = ["run_folder_id"]
