"""Registers the product's pages (top_items/pages/) with Airflow: the app in the api-server, and one entry per page in
the UI's navigation, each opening the page inside the UI."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from top_items.pages.app import PAGES, URL_PREFIX, app


class TopItemsPages(AirflowPlugin):
    name = "top_items_pages"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "top items pages"}]
    external_views = [{"name": f"Top items: {title}", "href": f"{URL_PREFIX}/{route}", "destination": "nav",
                       "category": "browse", "url_route": f"top-items-{route}"} for route, title in PAGES]
