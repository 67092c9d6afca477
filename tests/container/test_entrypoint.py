"""scripts/docker-entrypoint.sh under /bin/sh, with a stand-in `flask` that records its calls."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "docker-entrypoint.sh"
PREPARE = ["wait-for-db", "db upgrade"]

Run = Callable[..., tuple[int, str, list[str]]]

FAKE_FLASK = """#!/bin/sh
echo "$*" >> "$FLASK_CALLS"
[ "$*" != "$FLASK_FAILS" ]
"""


@pytest.fixture
def entrypoint(tmp_path: Path) -> Run:
    """Run the script with extra environment; returns (exit status, output, flask calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "flask").write_text(FAKE_FLASK)
    (bin_dir / "flask").chmod(0o755)
    calls = tmp_path / "calls"

    def run(*command: str, **env: str) -> tuple[int, str, list[str]]:
        environ = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FLASK_CALLS": str(calls),
                   "FLASK_FAILS": "", **env}
        result = subprocess.run(["/bin/sh", str(SCRIPT), *command], env=environ,
                                capture_output=True, text=True, timeout=30, check=False)
        recorded = calls.read_text().splitlines() if calls.exists() else []
        return result.returncode, result.stdout + result.stderr, recorded

    return run


def test_is_posix_sh_and_stops_on_errors() -> None:
    lines = SCRIPT.read_text().splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "set -eu" in lines
    subprocess.run(["/bin/sh", "-n", str(SCRIPT)], check=True)


def test_prepares_the_database_then_runs_the_command(entrypoint: Run) -> None:
    assert entrypoint("echo", "serving") == (0, "serving\n", PREPARE)


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_imports_when_asked(entrypoint: Run, value: str) -> None:
    assert entrypoint("true", IMPORT_ON_START=value)[2] == [*PREPARE, "import-posts --strict"]


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_does_not_import_otherwise(entrypoint: Run, value: str) -> None:
    assert entrypoint("true", IMPORT_ON_START=value)[2] == PREPARE


def test_a_misspelt_flag_stops_before_touching_the_database(entrypoint: Run) -> None:
    status, output, calls = entrypoint("echo", "serving", IMPORT_ON_START="ture")
    assert (status, calls) == (1, [])
    assert "IMPORT_ON_START must be 1/0" in output and "serving" not in output


@pytest.mark.parametrize("failing", ["wait-for-db", "db upgrade", "import-posts --strict"])
def test_a_failed_step_stops_the_start(entrypoint: Run, failing: str) -> None:
    status, output, calls = entrypoint("echo", "serving", IMPORT_ON_START="1",
                                       FLASK_FAILS=failing)
    assert status != 0 and "serving" not in output
    assert calls[-1] == failing


def test_the_command_replaces_the_script(tmp_path: Path) -> None:
    """exec: the server is PID 1 in the container and receives `docker stop`'s SIGTERM."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "flask").write_text("#!/bin/sh\n")
    (bin_dir / "flask").chmod(0o755)
    process = subprocess.Popen(["/bin/sh", str(SCRIPT), "sh", "-c", "echo $$"],
                               env={"PATH": f"{bin_dir}:{os.environ['PATH']}"},
                               stdout=subprocess.PIPE, text=True)
    output, _ = process.communicate(timeout=30)
    assert int(output) == process.pid


@pytest.fixture
def cli_app(tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
                      instance_path=str(tmp_path / "instance"))


@pytest.mark.parametrize("command", [["wait-for-db"], ["db", "upgrade"], ["import-posts"]])
def test_the_commands_it_runs_exist(cli_app: Flask, command: list[str]) -> None:
    result = cli_app.test_cli_runner().invoke(args=[*command, "--help"])
    assert result.exit_code == 0, result.output


def test_wait_for_db_takes_a_timeout(cli_app: Flask) -> None:
    assert "--timeout" in cli_app.test_cli_runner().invoke(args=["wait-for-db", "--help"]).output
