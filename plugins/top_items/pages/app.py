"""The product's pages, one route each, mounted in Airflow's api-server by the plugin (plugins/top_items_pages.py).

Every route needs an Airflow login (auth.py); every figure comes through read.py; each template is one page.
The app serves no API docs: Airflow mounts it without authentication, so nothing may be reachable without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from top_items.pages import actions, auth, read, svg
from top_items.quality.outcomes import FAILING

URL_PREFIX = "/top-items"  # where Airflow mounts the app
# (route, title): the pages in the order the navigation lists them
PAGES = (("stores", "Stores"), ("today", "Today"), ("consumers", "Consumers"), ("last-mile", "Last mile"),
         ("lineage", "Lineage"))

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(pages=PAGES, sparkline=svg.sparkline, failing=sorted(FAILING))

app = FastAPI(title="top items pages", docs_url=None, redoc_url=None, openapi_url=None,
              dependencies=[auth.login_required()])
app.add_exception_handler(HTTPException, auth.refused)
app.add_exception_handler(actions.Refused, actions.refused)


def warehouse() -> Iterator:
    from top_items.connections import warehouse_connection

    conn = warehouse_connection()
    conn.execute("set session characteristics as transaction read only")  # a page never writes, whatever it calls
    try:
        yield conn
    finally:
        conn.close()


Warehouse = Annotated[object, Depends(warehouse)]
Day = date | None  # ?date=YYYY-MM-DD, validated by FastAPI (422 otherwise); none: the newest feed date


def page(request: Request, name: str, conn, day: date | None, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, f"{name}.html", {
        "page": name, "base": request.scope.get("root_path", ""), "day": day,
        "days": read.feed_dates(conn) if conn is not None else [], **context})


@app.get("/", include_in_schema=False)
def index(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/stores")


@app.get("/stores", response_class=HTMLResponse)
def stores(request: Request, conn: Warehouse, date: Day = None, market: str | None = None,
           store: str | None = None):
    day = read.feed_date_or_newest(conn, date)
    markets = read.markets(conn, day) if day else []
    market = market if market in markets else (markets[0] if markets else None)
    in_market = read.stores(conn, day, market) if market else []
    chosen = read.store(conn, day, store) if store else None
    if chosen is None and in_market:
        chosen = read.store(conn, day, in_market[0]["store_id"])
    store_id = chosen and chosen["store_id"]
    return page(request, "stores", conn, day, markets=markets, market=market, stores=in_market, store=chosen,
                items=read.store_list(conn, day, store_id) if store_id else [],
                excluded=read.store_excluded(conn, day, store_id) if store_id else [],
                changes=read.store_changes(conn, day, store_id) if store_id else [])


@app.get("/today", response_class=HTMLResponse)
def today(request: Request, conn: Warehouse, date: Day = None):
    day = read.feed_date_or_newest(conn, date)
    if day is None:
        return page(request, "today", conn, day)
    loads = read.loads(conn, day)
    return page(request, "today", conn, day, loads=loads, totals=read.load_totals(loads),
                by_reason=read.quarantine_by_reason(conn, day), by_store=read.quarantine_by_store(conn, day),
                gates=read.gate_checks(conn, day), published=read.published(conn, day),
                models=read.model_runs(conn, day), pushes=read.pushes(conn, day), incidents=read.incidents())


@app.get("/consumers", response_class=HTMLResponse)
def consumers(request: Request, conn: Warehouse, date: Day = None, done: str | None = None):
    day = read.feed_date_or_newest(conn, date)
    return page(request, "consumers", conn, day, consumers=read.consumer_status(conn, day),
                done=done)


User = Annotated[object, auth.login_required()]


def changed(request: Request, date: str | None, message: str) -> RedirectResponse:
    """Back to the Consumers page, saying what was done (POST, then GET: a reload does not do it twice)."""
    query = urlencode({**({"date": date} if date else {}), "done": message})
    return RedirectResponse(f"{request.scope.get('root_path', '')}/consumers?{query}", status_code=303)


@app.post("/consumers/{consumer}/pause")
def pause(request: Request, user: User, consumer: str, reason: Annotated[str, Form()],
          paused: Annotated[bool, Form()], date: Annotated[str | None, Form()] = None):
    who = actions.actor(request, user)
    return changed(request, date, actions.pause(consumer, paused, by=who, reason=reason))


@app.post("/consumers/{consumer}/take-back")
def take_back(request: Request, user: User, consumer: str, reason: Annotated[str, Form()],
              date: Annotated[str | None, Form()] = None):
    who = actions.actor(request, user)
    return changed(request, date, actions.take_back(consumer, by=who, reason=reason))


@app.get("/last-mile", response_class=HTMLResponse)
def last_mile(request: Request, conn: Warehouse, date: Day = None, override: str | None = None):
    day = read.feed_date_or_newest(conn, date)
    return page(request, "last-mile", conn, day, overrides=read.overrides_on(conn, day) if day else [],
                chosen=override, excluded=read.excluded_by_override(conn, day, override) if override else [],
                feedback=read.feedback(conn, day) if day else [],
                refused=read.feedback_refused(conn, day) if day else [])


@app.get("/lineage", response_class=HTMLResponse)
def lineage(request: Request):
    columns, edges = read.lineage_columns()
    return page(request, "lineage", None, None, picture=svg.lineage_graph(read.LAYER_ORDER, columns, edges),
                columns=list(zip(read.LAYER_ORDER, columns, strict=True)), edges=edges)
