"""A local CA (trustme) per state dir: ``ca.pem`` is what clients trust."""

from __future__ import annotations

import fcntl
import os
import ssl
from pathlib import Path

import trustme

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
SERVER_CERT = "server.pem"
SERVER_KEY = "server.key"
HOSTNAMES = ("127.0.0.1", "localhost", "::1")
# In docker compose clients reach the mock by its service name; the certificate must name it too.
EXTRA_HOSTNAMES_ENV = "MOCK_TLS_EXTRA_HOSTNAMES"


def hostnames() -> tuple[str, ...]:
    extra = [name.strip() for name in os.environ.get(EXTRA_HOSTNAMES_ENV, "").split(",") if name.strip()]
    return (*HOSTNAMES, *extra)


def ensure_certs(state_dir: Path) -> tuple[Path, Path, Path]:
    """Create the CA and a server certificate once per state dir (safe across processes)."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    ca_path, ca_key = state_dir / CA_CERT, state_dir / CA_KEY
    cert_path, key_path = state_dir / SERVER_CERT, state_dir / SERVER_KEY
    with open(state_dir / ".certs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ca_path.exists() and ca_key.exists():
            ca = trustme.CA.from_pem(ca_path.read_bytes(), ca_key.read_bytes())
        else:
            ca = trustme.CA(organization_name="mocks demo CA")
            _write(ca_key, ca.private_key_pem.bytes(), private=True)
            _write(ca_path, ca.cert_pem.bytes())
        if not (cert_path.exists() and key_path.exists()):
            cert = ca.issue_cert(*hostnames())
            _write(key_path, cert.private_key_pem.bytes(), private=True)
            _write(cert_path, b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    return ca_path, cert_path, key_path


def server_context(state_dir: Path) -> ssl.SSLContext:
    _, cert_path, key_path = ensure_certs(state_dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    tmp.replace(path)
