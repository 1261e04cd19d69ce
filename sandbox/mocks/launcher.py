"""Start and stop mocks as subprocesses.

    from sandbox.mocks.launcher import start
    sf = start("salesforce", state_dir)      # RunningMock(name, url, pid, ca_path, ...)
    ...
    sf.stop()

By default a mock belongs to the process that started it: it is stopped at interpreter exit and exits by
itself when that process is gone. ``watch_parent=False`` detaches it (its own session, not stopped at exit):
``make up`` starts the world from a short-lived command, and ``make down`` stops it by pid.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("salesforce", "crm", "pager", "lineage", "smtp")
TLS_SERVICES = ("salesforce",)

_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class RunningMock:
    name: str
    url: str  # base URL, e.g. https://127.0.0.1:PORT (no trailing slash)
    pid: int
    ca_path: Path | None  # the CA to trust (HTTPS services only)
    port: int
    state_dir: Path
    log_path: Path
    smtp_port: int | None = None  # the SMTP sink's SMTP port (its HTTP API is ``url``)

    def stop(self) -> None:
        stop(self.pid)

    def session(self) -> requests.Session:
        """A requests session that trusts this mock (and ignores REQUESTS_CA_BUNDLE / proxies)."""
        s = requests.Session()
        s.trust_env = False
        if self.ca_path is not None:
            s.verify = str(self.ca_path)
        return s


def start(
    service: str,
    state_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    timeout: float = 20.0,
    watch_parent: bool = True,
) -> RunningMock:
    if service not in SERVICES:
        raise ValueError(f"unknown mock {service!r}; one of {SERVICES}")
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    logs = state_dir / "logs"
    logs.mkdir(exist_ok=True)
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    port_file = state_dir / f".{service}-{stamp}.port"
    log_path = logs / f"{service}-{stamp}.log"
    cmd = [
        sys.executable, "-m", f"sandbox.mocks.{service}",
        "--host", host, "--port", str(port), "--state-dir", str(state_dir), "--port-file", str(port_file),
    ]
    if watch_parent:
        cmd += ["--parent-pid", str(os.getpid())]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=not watch_parent,
        )
    if watch_parent:
        _children[proc.pid] = proc

    scheme = "https" if service in TLS_SERVICES else "http"
    ca_path = state_dir / "ca.pem" if service in TLS_SERVICES else None
    deadline = time.monotonic() + timeout
    url = None
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"mock {service} exited with {proc.returncode} before answering:\n{_tail(log_path)}"
                )
            if url is None and port_file.exists():
                bound = int(port_file.read_text())
                port_file.unlink(missing_ok=True)
                url_host = f"[{host}]" if ":" in host else host
                url = f"{scheme}://{url_host}:{bound}"
            if url is not None:
                session = requests.Session()
                session.trust_env = False
                try:
                    r = session.get(f"{url}/__mock/health", timeout=2, verify=str(ca_path) if ca_path else True)
                    if r.status_code == 200:
                        return RunningMock(service, url, proc.pid, ca_path, bound, state_dir, log_path,
                                           smtp_port=_smtp_port(session, url) if service == "smtp" else None)
                except requests.RequestException:
                    pass
                finally:
                    session.close()
            time.sleep(0.05)
        raise TimeoutError(f"mock {service} did not answer /__mock/health within {timeout}s:\n{_tail(log_path)}")
    except BaseException:
        stop(proc.pid)
        raise


def _smtp_port(session: requests.Session, url: str) -> int:
    from sandbox.mocks.smtp.app import SMTP_INFO

    return session.get(f"{url}{SMTP_INFO}", timeout=2).json()["port"]


def stop(pid: int, timeout: float = 5.0) -> None:
    """Stop a mock started by :func:`start` (SIGTERM, then SIGKILL after ``timeout``)."""
    proc = _children.pop(pid, None)
    if proc is not None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        return
    # not our child (e.g. started by another process): signal by pid and wait for it to go
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "(no log)"


@atexit.register
def _stop_all() -> None:
    for pid in list(_children):
        stop(pid)
