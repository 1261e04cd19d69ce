"""The product's pages in a real browser, on a real api-server, after a real day with the last mile in it: logged in
through Airflow's login page, every page opened for the day and read back against the warehouse, inside Airflow's own
UI too, each timed and captured for the docs (docs/screenshots/)."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import defaultdict
from datetime import date, timedelta

import pytest
import requests

from sandbox.simulate import last_mile
from sandbox.simulate.publish import write_day
from tests.support import browser
from tests.support.dags import run_dag
from tests.support.failure_stories import GOOD_DAY as DAY
from tests.support.failure_stories import SPEC
from top_items import alerts, lineage, overrides, settings
from top_items.activation import pause
from top_items.pages.app import URL_PREFIX
from top_items.registry import consumers

pytestmark = [pytest.mark.timeout(600),
              pytest.mark.skipif(browser.chromium_missing() is not None, reason=str(browser.chromium_missing()))]

DAG = "top_items_pipeline"
INCIDENT_TASK = "push_crm"
MARKET = "M01"


def market_best_sellers(s3, market: str) -> tuple[list[str], list[str]]:
    """The market's stores and its SKUs by revenue, read from the day's landed snapshots: the SKUs its top list will
    start with, before anything is loaded."""
    def rows(table: str) -> list[dict]:
        key = settings.reference_key(table, DAY)
        return list(csv.DictReader(io.StringIO(s3.get_object(Bucket=settings.LANDING_BUCKET, Key=key)["Body"]
                                               .read().decode())))

    stores = [row["store_id"] for row in rows("stores") if row["market_id"] == market]
    revenue: dict[str, float] = defaultdict(float)
    for line in rows("order_lines"):
        if line["store_id"] in stores:
            revenue[line["sku_id"]] += float(line["revenue"])
    return stores, sorted(revenue, key=revenue.get, reverse=True)


def a_day_with_the_last_mile(warehouse, s3) -> None:
    """One day, with account managers' overrides on the market's best sellers (a store that does not carry one
    sees it excluded by the override) and a retailer's feedback, the way they arrive during a day."""
    write_day(s3, SPEC, date.fromisoformat(DAY))
    stores, best = market_best_sellers(s3, MARKET)
    day = date.fromisoformat(DAY)
    for sku in best[:3]:
        overrides.add(warehouse, overrides.Override(
            f"am-recall-{sku}", "suppress", sku, owner="sales-ops@example.com", created=day,
            reason="supplier recall: do not recommend until the new batch ships", expires=day + timedelta(days=60),
            market_id=MARKET))
    overrides.add(warehouse, overrides.Override(
        f"am-own-brand-{stores[0]}", "suppress", best[3], owner="am.jordan@example.com", created=day,
        reason="the store pushes its own brand instead this week", expires=day + timedelta(days=3),
        store_id=stores[0]))
    last_mile.write_feedback(s3, DAY, [(stores[1], best[4], "not_for_my_store")])
    assert run_dag(DAG, DAY).state == "success"


def open_incident(server: browser.ApiServer) -> dict:
    """An incident as the pager notifier keeps it (top_items/alerts.py), in the api-server's metadata."""
    alert = {"summary": f"[{DAG}] {INCIDENT_TASK} failed for feed date {DAY}: the CRM answered 503",
             "dag_id": DAG, "task_id": INCIDENT_TASK, "feed_date": DAY, "run_id": f"manual__{DAY}",
             "url": f"{server.base}/dags/{DAG}/runs/manual__{DAY}/tasks/{INCIDENT_TASK}?try_number=1"}
    server.services.airflow("variables", "set", alerts.incident_key(DAG, INCIDENT_TASK), json.dumps(alert))
    return alert


def test_every_page_in_a_browser_after_a_day(world, warehouse, s3, destinations, airflow_db, tmp_path):
    server = browser.ApiServer(world, tmp_path / "airflow")  # starts while the days run
    try:
        a_day_with_the_last_mile(warehouse, s3)
        server.ready()
        incident = open_incident(server)
        anonymous = requests.get(f"{server.base}{URL_PREFIX}/stores", timeout=30, allow_redirects=False)
        assert anonymous.status_code == 401
        timings = check_pages(server, warehouse, incident)
    except BaseException:
        print(server.services.logs())
        raise
    finally:
        server.stop()
    print(f"\npage load times (s), {SPEC.stores} stores: "
          + ", ".join(f"{name} {seconds:.2f}" for name, seconds in timings.items()))


def check_pages(server: browser.ApiServer, warehouse, incident: dict) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    timings: dict[str, float] = {}
    day = f"?date={DAY}"
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        page = chromium.new_page(viewport=browser.VIEWPORT)
        browser.log_in(page, server, f"{URL_PREFIX}/stores")

        # Stores: the store an override excluded something for, picked in the page's own form
        found = warehouse.execute("""
            select c.store_id, s.market_id from marts.fct_store_top_item_candidates as c
            join marts.dim_stores as s using (feed_date, store_id)
            where c.feed_date = %s and c.excluded_because like 'override:%%' order by 1 limit 1""", (DAY,)).fetchone()
        assert found, "no store had an item excluded by an override: the day's best sellers moved"
        store, market = found
        timings["stores"] = browser.open_timed(page, f"{server.base}{URL_PREFIX}/stores{day}&market={market}")
        started = time.monotonic()
        with page.expect_navigation():
            page.select_option("select[name=store]", store)
        timings["stores (a store picked in the form)"] = time.monotonic() - started
        assert page.locator("h1").inner_text().startswith(f"Stores: {store}")
        listed = warehouse.execute("select store_rank, sku_id from marts.store_missing_top_items where feed_date = %s "
                                   "and store_id = %s order by store_rank", (DAY, store)).fetchall()
        shown = browser.table(page, "#store-list")
        assert [(int(r[0]), r[1]) for r in shown] == listed and listed
        excluded = warehouse.execute("""
            select c.market_rank, c.sku_id, c.excluded_because, coalesce(o.owner, ''), coalesce(o.expires::text, '')
            from marts.fct_store_top_item_candidates as c
            left join raw.overrides as o on c.excluded_because = 'override:' || o.override_id
            where c.feed_date = %s and c.store_id = %s and c.excluded_because is not null order by c.market_rank""",
                                     (DAY, store)).fetchall()
        shown = browser.table(page, "#excluded")
        assert [(int(r[0]), r[1], r[4], r[5], r[6]) for r in shown] == excluded
        assert any(rule.startswith("override:") and owner for _, _, rule, owner, _ in excluded)
        assert browser.table(page, "#changes") == [[DAY, str(len(listed)), "", ""]]  # its first day: nothing came in
        browser.screenshot(page, "stores")

        # Today: the incident with its log, every gate of the day, every push with its outcome, the files' totals
        timings["today"] = browser.open_timed(page, f"{server.base}{URL_PREFIX}/today{day}")
        [row] = browser.table(page, "#incidents")
        assert row[:3] == [f"{DAG}.{INCIDENT_TASK}", DAY, incident["summary"]]
        assert page.locator("#incidents a").get_attribute("href") == incident["url"]
        gates = [g for (g,) in warehouse.execute("select distinct gate from ops.dq_results where feed_date = %s "
                                                 "order by 1", (DAY,)).fetchall()]
        assert page.eval_on_selector_all("table.gate", "ts => ts.map(t => t.dataset.gate)") == gates
        assert page.locator("table.gate svg.spark").count() > 0
        pushes = warehouse.execute("select distinct on (consumer) consumer, outcome from ops.sync_runs where "
                                   "feed_date = %s and mode <> 'reconcile' order by consumer, sync_run_id desc",
                                   (DAY,)).fetchall()
        shown = [r for r in browser.table(page, "#pushes") if len(r) == 9]
        assert [(r[0], r[3]) for r in shown] == pushes and {c for c, _ in pushes} == set(consumers())
        rows_in = warehouse.execute("select sum(rows_in) from ops.load_audit where feed_date = %s and dataset = "
                                    "'inventory_feed'", (DAY,)).fetchone()[0]
        [feeds] = [r for r in browser.table(page, "#files") if r[0] == "inventory_feed"]
        assert int(feeds[3]) == rows_in
        browser.screenshot(page, "today")

        # Consumers: each with its tier, holding the day
        timings["consumers"] = browser.open_timed(page, f"{server.base}{URL_PREFIX}/consumers{day}")
        shown = browser.table(page, "#consumers")
        assert [(r[0].split("\n")[0], r[1], r[4], r[5]) for r in shown] == [
            (name, c.tier, DAY, "current") for name, c in consumers().items()]
        browser.screenshot(page, "consumers")
        row = page.locator("tr[data-consumer=crm]")  # a pause from the page, recorded as the CLI records one
        row.locator("form.pause input[name=reason]").fill("the CRM team is migrating tonight")
        with page.expect_navigation():
            row.locator("form.pause button").click()
        assert page.locator("#done").inner_text() == "crm: paused by admin"
        assert pause.current(warehouse, "crm").reason == "the CRM team is migrating tonight"
        row.locator("form.pause input[name=reason]").fill("migration done")
        with page.expect_navigation():
            row.locator("form.pause button").click()
        assert page.locator("#done").inner_text() == "crm: resumed by admin" and pause.current(warehouse, "crm") is None

        # Last mile: every override with its owner, the feedback with its time to live
        timings["last-mile"] = browser.open_timed(page, f"{server.base}{URL_PREFIX}/last-mile{day}")
        held = warehouse.execute("select override_id, owner from raw.overrides order by expires, override_id")\
            .fetchall()
        assert [(r[1], r[5]) for r in browser.table(page, "#overrides")] == held and held
        feedback = warehouse.execute("select count(*) from raw.retailer_feedback").fetchone()[0]
        assert len(browser.table(page, "#feedback")) == feedback > 0
        browser.screenshot(page, "last-mile")

        # Lineage: one box per node of the graph
        timings["lineage"] = browser.open_timed(page, f"{server.base}{URL_PREFIX}/lineage")
        drawn = page.eval_on_selector_all("svg.lineage g.node", "gs => gs.map(g => g.dataset.node)")
        assert sorted(drawn) == sorted(lineage.graph().nodes)
        browser.screenshot(page, "lineage")

        # The same page inside Airflow's UI, from its navigation entry
        timings["in the Airflow UI"] = browser.open_timed(page, f"{server.base}/plugin/top-items-today")
        frame = page.frame_locator("iframe")
        assert frame.locator("h1").inner_text(timeout=30_000).startswith(f"Today: feed date {DAY}")
        browser.screenshot(page, "today-in-airflow")
        chromium.close()
    return timings
