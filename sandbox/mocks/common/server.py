"""Command line entry shared by every mock: ``python -m sandbox.mocks.<name> --host H --port P --state-dir D``."""

from __future__ import annotations

import argparse
import os
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server


def _watch_parent(parent_pid: int, on_gone: Callable[[], None]) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            on_gone()
            return
        if os.getppid() == 1 and parent_pid != 1:
            on_gone()
            return


def serve(
    name: str,
    make_app: Callable[[Path], Flask],
    argv: list[str] | None = None,
    tls: Callable[[Path], ssl.SSLContext] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m sandbox.mocks.{name}", description=f"the {name} mock")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    args = parser.parse_args(argv)

    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    ssl_context = tls(state_dir) if tls else None
    app = make_app(state_dir)
    server = make_server(args.host, args.port, app, threaded=True, ssl_context=ssl_context)
    port = server.socket.getsockname()[1]
    scheme = "https" if ssl_context else "http"

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, stop), daemon=True).start()
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    print(f"{name} mock listening on {scheme}://{args.host}:{port} state={state_dir}", file=sys.stderr, flush=True)
    server.serve_forever()
