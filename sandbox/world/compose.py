"""The container plumbing of ``docker compose``: ``python -m sandbox.world.compose <action>``.

- ``check-warehouse``: fail start-up with a clear message when the warehouse database is not UTF8.
- ``connections --out FILE``: the compose world's Airflow connections as a file for ``airflow connections import``.
- ``login --out FILE``: the simple auth manager's passwords file for the documented demo login.
- ``healthcheck URL [--ca FILE]``: exit 0 when URL answers below 500 (the slim image has no curl).

Only the standard library is imported at the top: a healthcheck runs every few seconds in every container.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

UI_USER_ENV = "AIRFLOW_UI_USER"  # the compose file sets the demo login once; this writes its password file
UI_PASSWORD_ENV = "AIRFLOW_UI_PASSWORD"


def healthcheck(url: str, ca: str | None = None) -> int:
    context = ssl.create_default_context(cafile=ca) if ca else None
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as response:
            return 0 if response.status < 500 else 1
    except urllib.error.HTTPError as error:
        return 0 if error.code < 500 else 1
    except (OSError, ValueError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


def connections_file(out: Path) -> None:
    """``AIRFLOW_CONN_*`` values are URIs or JSON; ``airflow connections import`` takes a URI string or a dict."""
    from sandbox.world.stack import compose_world

    conns = {conn_id: json.loads(value) if value.startswith("{") else value
             for conn_id, value in compose_world().connections().items()}
    out.write_text(json.dumps(conns, indent=2) + "\n")
    print(f"wrote {len(conns)} connections to {out}")


def login_file(out: Path) -> None:
    out.write_text(json.dumps({os.environ[UI_USER_ENV]: os.environ[UI_PASSWORD_ENV]}) + "\n")
    print(f"login for {os.environ[UI_USER_ENV]} written to {out}")


def check_warehouse() -> None:
    from sandbox.world.warehouse import check_utf8, normalize_uri

    check_utf8(normalize_uri(os.environ["AIRFLOW_CONN_WAREHOUSE"]))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sandbox.world.compose", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("check-warehouse")
    for name in ("connections", "login"):
        sub.add_parser(name).add_argument("--out", required=True, type=Path)
    health = sub.add_parser("healthcheck")
    health.add_argument("url")
    health.add_argument("--ca")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.action == "healthcheck":
        return healthcheck(args.url, args.ca)
    if args.action == "check-warehouse":
        try:
            check_warehouse()
        except RuntimeError as error:  # the message says what to do; a traceback would only bury it
            print(f"error: {error}", file=sys.stderr)
            return 1
    elif args.action == "connections":
        connections_file(args.out)
    else:
        login_file(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
