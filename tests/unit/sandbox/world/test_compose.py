"""Static checks of the compose stack: every command it runs exists, and its shape is the one the README promises.

`make compose-check` runs the stack for real on a Docker host; these checks need none.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.support.paths import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]
IMAGE = "top-items:local"
AIRFLOW = [name for name in SERVICES if name.startswith("airflow-") and name != "airflow-init"]


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
        if argv[2] in ("top_items", "sandbox"):
            parser = importlib.import_module(f"{argv[2]}.cli").parser

            parser().parse_args([a.replace("${FEED_DATE:-2026-11-25}", "2026-11-25")
                                 .replace("${WORLD_ENV:-/state/world.env}", "/state/world.env") for a in argv[3:]])
        elif argv[2] == "sandbox.world.compose":
            from sandbox.world.compose import parser

            parser().parse_args(argv[3:])
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
    assert {"postgres", "redis", "moto", "salesforce", "crm", "pager", "airflow-init", "airflow-apiserver",
            "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker"} <= set(SERVICES)
    for name in AIRFLOW:
        assert SERVICES[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        env = SERVICES[name]["environment"]
        assert "AIRFLOW__API_AUTH__JWT_SECRET" in env
        assert "AIRFLOW__CORE__FERNET_KEY" in env  # else each container makes its own and no task reads a connection
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert SERVICES["airflow-worker"]["command"] == ["airflow", "celery", "worker"]


def test_connections_and_pools_are_imported_at_init():
    init = commands_of(SERVICES["airflow-init"]["command"])
    assert ["airflow", "connections", "import"] in [argv[:3] for argv in init]
    assert ["airflow", "pools", "import"] in [argv[:3] for argv in init]


def test_the_image_is_built_once():
    builders = [name for name, spec in SERVICES.items() if "build" in spec]
    assert builders == ["airflow-init"]
    ours = [name for name, spec in SERVICES.items() if spec.get("image") == IMAGE]
    assert {"moto", "salesforce", "crm", "pager", *AIRFLOW} <= set(ours)


def test_every_long_running_service_has_a_healthcheck_that_exists():
    for name, spec in SERVICES.items():
        if name == "airflow-init":
            assert spec["restart"] == "no"  # it exits when done; a restart policy would run it again
            continue
        test = spec["healthcheck"]["test"]
        if test[0] == "CMD" and test[1] == "python":
            check_exists(test[1:])


def test_task_logs_are_on_one_shared_volume():
    for name in AIRFLOW:
        assert "airflow-logs:/opt/airflow/logs" in SERVICES[name]["volumes"], name
    assert "airflow-logs" in COMPOSE["volumes"]


def test_the_documented_login_is_the_configured_user():
    env = COMPOSE["x-airflow"]["environment"]
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(":")[0] == env["AIRFLOW_UI_USER"]
    readme = " ".join((REPO / "README.md").read_text().split())  # line breaks are layout
    assert f"user `{env['AIRFLOW_UI_USER']}`, password `{env['AIRFLOW_UI_PASSWORD']}`" in readme


def test_no_world_goes_into_the_image():
    worlds = re.search(r"^WORLDS := (.+)$", (REPO / "Makefile").read_text(), re.M).group(1).split()
    ignored = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    for path in [*worlds, *(f"{w}.env" for w in worlds), ".airflow", ".airflow-demo", ".venv"]:
        assert any(fnmatch.fnmatch(path, pattern) for pattern in ignored), path


def test_the_image_copies_what_it_installs():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY requirements.txt constraints.txt" in dockerfile
    assert "-r requirements.txt -c constraints.txt" in dockerfile


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_config_accepts_the_file():
    result = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yaml"), "config", "-q"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
