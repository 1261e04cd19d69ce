"""The compose stack's SMTP sink is where the compose world's connection says it is."""

from __future__ import annotations

import yaml

from sandbox.world.mock_connections import INBOX_CONN_ID
from sandbox.world.stack import compose_world
from tests.support.paths import REPO
from top_items.settings import SMTP_CONN_ID


def test_the_compose_world_reaches_the_smtp_service_on_the_port_it_listens_on():
    command = yaml.safe_load((REPO / "docker-compose.yaml").read_text())["services"]["smtp"]["command"]
    services = compose_world().services
    assert services[SMTP_CONN_ID]["host"] == "smtp"
    assert services[SMTP_CONN_ID]["port"] == int(command[command.index("--smtp-port") + 1])
    assert services[INBOX_CONN_ID]["host"] == f"http://smtp:{command[command.index('--port') + 1]}"
