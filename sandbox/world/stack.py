"""Bring the whole simulated world up or down, and describe it as environment variables.

``up`` is idempotent: a world that is already running is reused. Its description is written twice:
``<world_dir>/state.json`` for ``down``, and an env file (``.world.env``) that a shell can ``source``.

A *persistent* world (``make up``) behaves like a real one across ``make down`` / ``make up``: its S3 server
(``s3_server.py``, moto that keeps its objects) saves every object under ``<world_dir>/s3/`` when it stops and
puts them back when it starts; and Airflow's metadata
lives in the world's Postgres (database ``airflow``), so a backfill next to ``make ui`` never meets SQLite's lock.
Test, demo and bench worlds are throwaway and skip both.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sandbox.world import airflow_users, landing_events, processes, warehouse
from top_items import registry, settings

log = logging.getLogger(__name__)

AWS_DEMO_KEY = "testing"  # moto accepts any credentials; these are demo values, not secrets.
AWS_REGION = "us-east-1"
BUCKETS = (settings.LANDING_BUCKET, settings.RETAILER_APP_BUCKET)
METADATA_DATABASE = "airflow"  # a persistent world's Airflow metadata, beside the warehouse on the same server
S3_STATE = "s3"  # <world_dir>/s3/: a persistent world's objects while its S3 server is down (s3_server.py)
S3_SAVE_TIMEOUT = 300.0
COMPOSE_SMTP_PORT = 2525  # the SMTP sink's SMTP port in the compose stack (its `--smtp-port` there)


@dataclass
class World:
    world_dir: str
    warehouse_uri: str
    embedded_warehouse: bool
    s3_endpoint: str
    pids: dict[str, int] = field(default_factory=dict)
    services: dict[str, dict] = field(default_factory=dict)
    persistent: bool = False

    def metadata_uri(self) -> str:
        """SQLAlchemy URI of the Airflow metadata database on the warehouse's server."""
        parts = urlsplit(self.warehouse_uri)
        return urlunsplit(parts._replace(scheme="postgresql+psycopg2", path=f"/{METADATA_DATABASE}"))

    def connections(self) -> dict[str, str]:
        """Airflow connections as ``AIRFLOW_CONN_*`` values (the only place services are addressed)."""
        conns = {
            settings.WAREHOUSE_CONN_ID: self.warehouse_uri,
            settings.AWS_CONN_ID: json.dumps({
                "conn_type": "aws", "login": AWS_DEMO_KEY, "password": AWS_DEMO_KEY,
                "extra": {"endpoint_url": self.s3_endpoint, "region_name": AWS_REGION},
            }),
        }
        for conn_id, spec in self.services.items():
            conns[conn_id] = json.dumps(spec)
        return conns

    def environment(self, repo_root: Path = settings.REPO_ROOT, airflow_home: Path | None = None) -> dict[str, str]:
        env = {
            "AIRFLOW_HOME": str(airflow_home or repo_root / ".airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(repo_root / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(repo_root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "PYTHONPATH": os.pathsep.join([str(repo_root / "plugins"), str(repo_root)]),
            "SODA_CORE_TELEMETRY_ENABLED": "false",
            "AWS_ACCESS_KEY_ID": AWS_DEMO_KEY,
            "AWS_SECRET_ACCESS_KEY": AWS_DEMO_KEY,
            "AWS_DEFAULT_REGION": AWS_REGION,
            "AWS_ENDPOINT_URL_S3": self.s3_endpoint,
            airflow_users.USERS_SETTING: airflow_users.users_setting(),
            f"AIRFLOW_VAR_{settings.LANDING_QUEUE_URL_VARIABLE.upper()}": landing_events.queue_url(self.s3_endpoint),
        }
        if self.persistent:
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.metadata_uri()
        for conn_id, value in self.connections().items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = value
        if settings.LINEAGE_CONN_ID in self.services:  # every task's OpenLineage events go to the lineage receiver
            env.update(openlineage_environment())
        return env


# Every task's inputs and outputs are the inlets and outlets it declares from the lineage graph (assets.py): the
# hook-level collector (which would replace them with whatever a hook touched) is off, and the setup task's DDL is
# not parsed for tables. Emission runs in a thread the task waits for at most [openlineage] execution_timeout: a
# forked emitter that blocks on a dead receiver can leave the task stuck in `running`.
OPENLINEAGE_EMISSION_POLICY = [
    {"scope": {}, "controls": {"hook_lineage": False}},
    {"scope": {"operator": "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator"},
     "controls": {"extract_operator_metadata": False}},
]


def openlineage_environment() -> dict[str, str]:
    """The OpenLineage provider's settings: its client config is the ``lineage`` connection's extra."""
    return {"AIRFLOW__OPENLINEAGE__CONFIG_CONN_ID": settings.LINEAGE_CONN_ID,
            "AIRFLOW__OPENLINEAGE__NAMESPACE": settings.LINEAGE_NAMESPACE,
            "AIRFLOW__OPENLINEAGE__EMISSION_POLICY": json.dumps(OPENLINEAGE_EMISSION_POLICY),
            "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
            "AIRFLOW__OPENLINEAGE__EXTRACTORS": "top_items.lineage_extractor.DeclaredLineageExtractor"}


def state_file(world_dir: Path) -> Path:
    return world_dir / "state.json"


def load(world_dir: Path) -> World | None:
    path = state_file(world_dir)
    if not path.exists():
        return None
    return World(**json.loads(path.read_text()))


def is_running(world: World) -> bool:
    return all(processes.pid_alive(pid) for pid in world.pids.values())


def up(world_dir: Path, *, warehouse_uri: str | None = None, with_mocks: bool = True,
       persistent: bool = False) -> World:
    world_dir = world_dir.resolve()
    existing = load(world_dir)
    if existing and is_running(existing):
        log.info("world already running (%s)", state_file(world_dir))
        return existing
    if existing:
        down(world_dir)
    world_dir.mkdir(parents=True, exist_ok=True)

    if warehouse_uri:
        uri, embedded = warehouse.normalize_uri(warehouse_uri), False
    else:
        uri, embedded = warehouse.start_embedded(world_dir / "warehouse", processes.free_port()), True
    s3_port = processes.free_port()
    world = World(world_dir=str(world_dir), warehouse_uri=uri, embedded_warehouse=embedded,
                  s3_endpoint=f"http://127.0.0.1:{s3_port}", persistent=persistent)
    try:
        _save(world)  # saved at every step, so `down` can stop a world that failed half way up
        warehouse.wait_until_ready(uri)
        warehouse.check_utf8(uri)
        if persistent:
            parts = urlsplit(uri)
            warehouse.ensure_database(urlunsplit(parts._replace(path="/postgres")), METADATA_DATABASE)
        server = ("sandbox.world.s3_server", "--state-dir", str(world_dir / S3_STATE)) if persistent \
            else ("moto.server",)
        importable = os.pathsep.join(filter(None, [str(settings.REPO_ROOT / "plugins"), os.environ.get("PYTHONPATH")]))
        moto = processes.spawn(processes.python_module(*server, "-H", "127.0.0.1", "-p", str(s3_port)),
                               log=world_dir / "moto.log", env={"PYTHONPATH": importable})
        world.pids["moto"] = moto.pid
        _save(world)
        processes.wait_for_port("127.0.0.1", s3_port, timeout=60, process=moto, log=world_dir / "moto.log")
        if with_mocks:
            _start_mocks(world)
        _create_buckets(world)
    except BaseException:
        down(world_dir)
        raise
    _save(world)
    return world


def _save(world: World) -> None:
    state_file(Path(world.world_dir)).write_text(json.dumps(asdict(world), indent=2))


def _start_mocks(world: World) -> None:
    """Start the HTTP mocks (detached, like the other servers); each becomes an Airflow connection."""
    from sandbox.mocks import launcher
    from sandbox.world.mock_connections import connections

    api_consumers = [(name, registry.consumer(name).connection) for name in ("salesforce", "crm")]
    for service, conn_id in (*api_consumers, ("pager", settings.PAGER_CONN_ID), ("lineage", settings.LINEAGE_CONN_ID),
                             ("smtp", settings.SMTP_CONN_ID)):
        running = launcher.start(service, Path(world.world_dir) / "mocks" / service, watch_parent=False)
        world.pids[service] = running.pid
        world.services.update(connections(conn_id, running))
        _save(world)


def _client(world: World, service: str):
    import boto3

    return boto3.client(service, endpoint_url=world.s3_endpoint, aws_access_key_id=AWS_DEMO_KEY,
                        aws_secret_access_key=AWS_DEMO_KEY, region_name=AWS_REGION)


def s3_client(world: World):
    """boto3's S3 client on the world's moto server."""
    return _client(world, "s3")


def sqs_client(world: World):
    """boto3's SQS client on the world's moto server: the landing queue's."""
    return _client(world, "sqs")


def _create_buckets(world: World) -> None:
    create_buckets(s3_client(world), sqs_client(world))


def create_buckets(s3, sqs) -> None:
    """The world's buckets, and the landing bucket's notifications to the landing queue (landing_events.py)."""
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    for bucket in BUCKETS:
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
    landing_events.ensure(s3, sqs)


def empty_buckets(s3) -> None:
    """Every bucket of the world emptied: a test or a fuzz case starts with nothing landed and nothing handed off."""
    for bucket in BUCKETS:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def empty_warehouse(conn) -> None:
    """Every layer and every run's workspace dropped, raw and ops made again: the warehouse of a first day."""
    from top_items.ingest.schema import ensure_schemas

    workspaces = [name for (name,) in conn.execute(
        "select nspname from pg_namespace where nspname like 'build\\_%' or nspname like 'preview\\_%'")]
    for schema in ("raw", "staging", "marts", "exports", "ops", *workspaces):
        conn.execute(f'drop schema if exists "{schema}" cascade')
    ensure_schemas(conn)


def compose_world(state_dir: str = "/state") -> World:
    """The world as docker compose wires it: every service reached by its service name."""
    from types import SimpleNamespace

    from sandbox.world.mock_connections import connections

    mocks = {
        registry.consumer("salesforce").connection: SimpleNamespace(name="salesforce", url="https://salesforce:8443",
                                                     ca_path=f"{state_dir}/salesforce/ca.pem"),
        registry.consumer("crm").connection: SimpleNamespace(name="crm", url="http://crm:8080", ca_path=None),
        settings.PAGER_CONN_ID: SimpleNamespace(name="pager", url="http://pager:8080", ca_path=None),
        settings.SMTP_CONN_ID: SimpleNamespace(name="smtp", url="http://smtp:8080", ca_path=None,
                                               smtp_port=COMPOSE_SMTP_PORT),
    }
    services = {}
    for conn_id, mock in mocks.items():
        services.update(connections(conn_id, mock))
    return World(world_dir=state_dir, warehouse_uri="postgresql://postgres:postgres@postgres:5432/warehouse",
                 embedded_warehouse=False, s3_endpoint="http://moto:5000", services=services)


def down(world_dir: Path) -> None:
    world_dir = world_dir.resolve()
    world = load(world_dir)
    if world is None:
        return
    for name, pid in world.pids.items():
        # a persistent world's S3 server copies its objects to disk when told to stop: give it the time
        processes.stop_pid(pid, timeout=S3_SAVE_TIMEOUT if name == "moto" and world.persistent else 10.0)
    if world.embedded_warehouse:
        warehouse.stop_embedded(world_dir / "warehouse")
    state_file(world_dir).unlink(missing_ok=True)


def write_env_file(world: World, path: Path, environment: dict[str, str] | None = None) -> None:
    lines = ["# Written by `make up`: `source` this file to talk to the simulated world."]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in (environment or world.environment()).items()]
    path.write_text("\n".join(lines) + "\n")
