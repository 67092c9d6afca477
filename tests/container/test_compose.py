"""compose.yaml, the scaled-out deployment, read as YAML and held against the Dockerfile and the
settings the app, gunicorn and the entrypoint actually read."""

from __future__ import annotations

import re
import runpy
from functools import cache
from typing import Any

import click
import pytest
import yaml

from app import cli
from app.config import ENV_SETTINGS
from tests.conftest import REPO
from tests.container.dockerfile import exec_form, final_stage, only

APP_SERVICES = ("app", "import")


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
    return loaded


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


@cache
def settings_read() -> frozenset[str]:
    """Every environment variable Folio's image reads: the app's settings, gunicorn.conf.py's,
    the entrypoint's, and those of the flask commands (click's envvar)."""
    gunicorn = (REPO / "gunicorn.conf.py").read_text()
    entrypoint = (REPO / "scripts" / "docker-entrypoint.sh").read_text()
    commands = [getattr(cli, name) for name in dir(cli)]
    envvars = {param.envvar for command in commands if isinstance(command, click.Command)
               for param in command.params if isinstance(param.envvar, str)}
    return frozenset({*ENV_SETTINGS, *re.findall(r"_env_\w+\(['\"](\w+)['\"]", gunicorn),
                      *re.findall(r"\$\{(\w+)", entrypoint), *envvars})


def test_the_app_is_scaled_out_from_the_built_image() -> None:
    app = service("app")
    assert app["build"] in (".", {"context": "."}, {"context": ".", "dockerfile": "Dockerfile"})
    assert app["deploy"]["replicas"] >= 2
    assert "container_name" not in app, "a fixed name allows one replica only"
    assert all(str(port).endswith(":8000") for port in app["ports"])
    assert only(final_stage(), "EXPOSE") == "8000"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_the_same_image_in_production(name: str) -> None:
    assert service(name)["image"] == service("app")["image"]
    environment = service(name)["environment"]
    assert environment["FOLIO_ENV"] == "production"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"])
    assert environment["SITE_URL"].startswith("${SITE_URL")
    assert re.match(r"postgresql://\w+:.+@db:5432/", environment["DATABASE_URL"])
    assert environment["REDIS_URL"].startswith("redis://redis:6379")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_variable_given_is_one_folio_reads(name: str) -> None:
    assert set(service(name)["environment"]) - settings_read() == set()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_content_is_mounted_read_only_on_the_image_volume(name: str) -> None:
    assert "./content:/app/content:ro" in service(name)["volumes"]
    assert "/app/content" in exec_form(only(final_stage(), "VOLUME"))


def test_the_app_healthcheck_asks_what_the_image_asks() -> None:
    test = service("app")["healthcheck"]["test"]
    assert test[0] == "CMD" and "/healthz" in test[-1]
    assert "/healthz" in only(final_stage(), "HEALTHCHECK")


def test_the_import_job_runs_once_before_the_app() -> None:
    job = service("import")
    assert job["command"] == ["flask", "import-posts", "--strict"]
    assert job["restart"] == "no"
    assert "ports" not in job and "deploy" not in job
    assert service("app")["depends_on"]["import"] == {
        "condition": "service_completed_successfully"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backing_services(name: str) -> None:
    for backing in ("db", "redis"):
        assert service(name)["depends_on"][backing] == {"condition": "service_healthy"}
        assert service(backing)["healthcheck"]["test"]


def test_postgres_and_redis() -> None:
    db, redis = service("db"), service("redis")
    assert db["image"] == "postgres:16" and redis["image"] == "redis:7"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"], "PostgreSQL's data lives in a named volume"
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")



def test_the_app_is_given_time_to_stop_gracefully() -> None:
    """Longer than gunicorn's graceful_timeout, or requests in flight are killed."""
    graceful = runpy.run_path(str(REPO / "gunicorn.conf.py"))["graceful_timeout"]
    grace = service("app")["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > graceful
