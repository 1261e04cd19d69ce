"""The pages behind Airflow's login, in Airflow's own api-server app with the plugin mounted as Airflow mounts it:
nothing answers without a valid Airflow token, a browser is sent to the login page, a token (header or the UI's
cookie) opens every page, and a page's warehouse session cannot write."""

from __future__ import annotations

import pytest

from top_items.pages.app import PAGES, URL_PREFIX


@pytest.mark.parametrize("route", [route for route, _ in PAGES])
def test_a_page_without_a_login_is_refused_and_a_browser_is_sent_to_the_login_page(client, route):
    page = f"{URL_PREFIX}/{route}"
    assert client.get(page, follow_redirects=False).status_code == 401
    assert client.get(page, headers={"Authorization": "Bearer not-a-token"}).status_code == 403
    browser = client.get(page, headers={"Accept": "text/html"}, cookies={"_token": "forged"}, follow_redirects=False)
    assert browser.status_code == 303
    assert browser.headers["location"].startswith("/auth/login?next=") and route in browser.headers["location"]


def test_no_api_docs_are_served_without_a_login(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(URL_PREFIX + path).status_code in (401, 404)


def test_a_token_opens_every_page_as_a_header_or_as_the_ui_cookie(client, token, warehouse):
    for route, title in PAGES:
        by_header = client.get(f"{URL_PREFIX}/{route}", headers={"Authorization": f"Bearer {token}"})
        assert by_header.status_code == 200, by_header.text[-2000:]
        assert f"<title>{title} - top items</title>" in by_header.text
    client.cookies.set("_token", token)
    try:
        assert client.get(f"{URL_PREFIX}/stores").status_code == 200
    finally:
        client.cookies.clear()


def test_the_pages_warehouse_session_is_read_only(world):
    import psycopg

    from top_items.pages.app import warehouse

    session = warehouse()
    conn = next(session)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("create table ops.pages_must_not_write (x int)")
    session.close()
