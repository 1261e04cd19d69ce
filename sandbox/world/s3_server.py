"""moto's S3 server, keeping its objects across restarts: ``python -m sandbox.world.s3_server --state-dir DIR``.

moto holds S3 in memory. This server puts back what DIR holds before it answers anyone, and copies every object to
DIR when told to stop (SIGTERM or SIGINT), so S3 survives a restart like a real bucket does: the local world's
``make down`` / ``make up`` and the compose stack's ``docker compose down`` / ``up`` alike. Bodies are put back
byte for byte, so ETags (and the app's ``IfMatch`` on ``latest.json``) still hold.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import threading
from pathlib import Path

log = logging.getLogger(__name__)

DEMO_KEY = "testing"  # moto accepts any credentials


OBJECTS = "objects"  # <state_dir>/objects/<bucket>/<key>; saved beside it first, then swapped in


def save(s3, state_dir: Path) -> int:
    """Copy every object of every bucket under ``state_dir``, replacing the last copy whole."""
    target, partial = state_dir / OBJECTS, state_dir / f"{OBJECTS}.saving"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    saved = 0
    for bucket in (b["Name"] for b in s3.list_buckets().get("Buckets", [])):
        (partial / bucket).mkdir()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                path = partial / bucket / item["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, item["Key"], str(path))
                saved += 1
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return saved


def restore(s3, state_dir: Path) -> int:
    """Create each saved bucket and put its objects back."""
    source = state_dir / OBJECTS
    if not source.is_dir():
        return 0
    restored = 0
    for bucket_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        s3.create_bucket(Bucket=bucket_dir.name)
        for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
            s3.upload_file(str(path), bucket_dir.name, path.relative_to(bucket_dir).as_posix())
            restored += 1
    return restored


def _client(port: int):
    import boto3

    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=DEMO_KEY,
                        aws_secret_access_key=DEMO_KEY, region_name="us-east-1")


def serve(host: str, port: int, state_dir: Path) -> None:
    from moto.server import ThreadedMotoServer

    from sandbox.world.processes import free_port

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # moto's backends are per process: a private server restores and saves, the public one only opens when the
    # objects are back, so no client ever sees a half-restored S3.
    private_port = free_port()
    private = ThreadedMotoServer(ip_address="127.0.0.1", port=private_port, verbose=False)
    private.start()
    s3 = _client(private_port)
    log.info("restored %d objects from %s", restore(s3, state_dir), state_dir)
    public = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    public.start()
    log.info("S3 on %s:%d, state in %s", host, port, state_dir)
    stop.wait()
    public.stop()
    log.info("saved %d objects to %s", save(s3, state_dir), state_dir)
    private.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m sandbox.world.s3_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.state_dir)


if __name__ == "__main__":
    main()
