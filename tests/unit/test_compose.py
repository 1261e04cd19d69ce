"""docker compose cannot run here (no engine), so check statically that every command it runs exists."""

from __future__ import annotations

import importlib.util
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def commands_of(argv: list[str]) -> list[list[str]]:
    """The commands a service runs: its own, or each line of the repo script it hands to bash."""
    if argv[0] == "bash":
        script = REPO / argv[1]
        assert script.exists(), f"{argv[1]} is not in the repo"
        lines = [line.strip() for line in script.read_text().splitlines()]
        # `exec "$@"` runs the service's own arguments, checked below
        inner = [shlex.split(line) for line in lines if line and not line.startswith(("#", "set ", 'exec "$@"'))]
        return inner + ([argv[2:]] if len(argv) > 2 else [])
    return [argv]


def check_exists(argv: list[str]) -> None:
    if argv[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(argv[2]) is not None, f"no module {argv[2]}"
        if argv[2] == "top_items":
            from top_items.cli import parser

            parser().parse_args([a.replace("${FEED_DATE:-2026-11-25}", "2026-11-25")
                                 .replace("${WORLD_ENV:-/state/world.env}", "/state/world.env") for a in argv[3:]])
    elif argv[0] == "airflow":
        from airflow.cli.cli_parser import get_parser

        get_parser().parse_args(argv[1:])
    else:
        pytest.fail(f"unexpected command {argv}")


@pytest.mark.parametrize("service", sorted(name for name, spec in SERVICES.items() if "command" in spec))
def test_every_command_a_service_runs_exists(service):
    command = SERVICES[service]["command"]
    if service == "postgres":
        assert command[0] == "postgres"
        return
    for argv in commands_of(command):
        check_exists(argv)


def test_the_stack_has_every_part_of_the_design():
    assert {"postgres", "moto", "salesforce", "crm", "pager", "airflow-init", "airflow-apiserver",
            "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"} <= set(SERVICES)
    airflow = [name for name in SERVICES if name.startswith("airflow-") and name != "airflow-init"]
    for name in airflow:
        assert SERVICES[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert "AIRFLOW__API_AUTH__JWT_SECRET" in SERVICES[name]["environment"]


def test_the_image_copies_what_it_installs():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY requirements.txt constraints.txt" in dockerfile
    assert "-r requirements.txt -c constraints.txt" in dockerfile


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yaml"), "config", "-q"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
