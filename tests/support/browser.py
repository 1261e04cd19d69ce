"""A real browser for the pages' tests: Debian's chromium, driven by Playwright, logged in through Airflow's login page.

Playwright's own browser builds are never downloaded: it launches the system's chromium (``make browser`` installs
it when it can). Where there is none, :func:`chromium_missing` says why, and the browser tests skip with that reason.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path

from sandbox.world import processes
from tests.support.airflow_services import services as airflow_services
from tests.support.paths import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


def chromium_missing() -> str | None:
    """Why no browser test can run here, or None when one can."""
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        return f"no chromium at {CHROMIUM} (make browser installs Debian's chromium when run as root)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (requirements.txt)"
    return None


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class ApiServer:
    """Airflow's api-server alone (the pages need no scheduler) on its own metadata database, started in the
    background so the caller can run a day meanwhile; :meth:`ready` waits for it."""

    def __init__(self, world, home: Path):
        self.services = airflow_services(world, home)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.services.airflow("db", "migrate")
            process = processes.spawn([sys.executable, "-m", "airflow", "api-server", "--port", str(self.port)],
                                      log=self.services.home / "api-server.log", env=self.services.env)
            self.services.pids.append(process.pid)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by ready()
            self.error = exc

    @property
    def port(self) -> int:
        return self.services.port

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self, timeout: float = 180) -> ApiServer:
        self._thread.join(timeout)
        if self.error:
            raise self.error
        processes.wait_for_port("127.0.0.1", self.port, timeout=timeout)
        return self

    def admin_password(self) -> str:
        return json.loads((self.services.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]

    def stop(self) -> None:
        self._thread.join(60)
        self.services.stop()


def sign_in(page, user: str, password: str) -> None:
    """On Airflow's login page, sign in as ``user``."""
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def log_in(page, server: ApiServer, path: str) -> None:
    """Open ``path``: the page sends a browser without a login to Airflow's login page, which signs in as admin and
    comes back."""
    page.goto(server.base + path)
    page.wait_for_url("**/auth/login**")
    sign_in(page, "admin", server.admin_password())
    page.wait_for_url(f"**{path}**")


def open_timed(page, url: str) -> float:
    """Open a page and wait for it to load; returns the seconds it took, as the browser saw them."""
    started = time.monotonic()
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("load")
    return time.monotonic() - started


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """A PNG of the page (the viewport, unless ``full_page``) in docs/screenshots/, for the README and docs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def table(page, selector: str) -> list[list[str]]:
    """The text of each body row of a table (header rows, made of th cells, left out)."""
    return page.eval_on_selector(selector, """t => [...t.querySelectorAll(':scope > tbody > tr, :scope > tr')]
        .filter(r => r.querySelector('td')).map(r => [...r.children].map(c => c.innerText.trim()))""")
