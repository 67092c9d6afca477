"""A newcomer's first mistakes cost one line, not a traceback: `flask` commands run as separate
processes, the way the README has people run them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import click
import pytest
from flask import Flask

from app import create_app
from app.command_errors import CommandFailed, guard_commands, missing_sqlite_file
from tests.conftest import POSTGRES_SERVER, drop_database, make_database
from tests.servers import flask_command, free_port, server_environment


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "first.md").write_text("---\ntitle: First\ndate: 2026-01-15\n---\n\nHello.\n")
    return folder


def unreachable_postgres() -> str:
    """A PostgreSQL URL with nothing listening at its port."""
    return f"postgresql://postgres@127.0.0.1:{free_port()}/folio"


def assert_one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def run(database_url: str, *args: str, log_format: str = "text"):  # type: ignore[no-untyped-def]
    return flask_command(server_environment(DATABASE_URL=database_url, LOG_FORMAT=log_format),
                         *args, timeout=120)


@pytest.mark.parametrize("args", [["import-posts"], ["import-posts", "--dry-run"]],
                         ids=["import", "dry-run"])
def test_import_before_db_upgrade_says_so_in_one_line_and_creates_nothing(
        tmp_path: Path, articles: Path, args: list[str]) -> None:
    database = tmp_path / "instance" / "folio.sqlite3"
    result = run(f"sqlite:///{database}", *args, str(articles))
    assert result.returncode == 1
    assert result.stdout == ""
    assert assert_one_line(result.stderr) == (
        f"Error: the SQLite database {database} does not exist yet: run `flask db upgrade` "
        "first")
    assert not database.exists()


def test_check_links_before_db_upgrade_says_so_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "instance" / "folio.sqlite3"
    result = run(f"sqlite:///{database}", "check-links")
    assert result.returncode == 1
    assert assert_one_line(result.stderr).endswith("does not exist yet: run `flask db upgrade` "
                                                   "first")
    assert not database.exists()


def test_import_into_a_server_database_without_tables_says_so(articles: Path) -> None:
    name = f"folio_unmigrated_{uuid.uuid4().hex[:8]}"
    try:
        result = run(make_database(name), "import-posts", "--dry-run", str(articles))
    finally:
        drop_database(name)
    assert result.returncode == 1
    assert "has no Folio tables yet: run `flask db upgrade` first" in assert_one_line(
        result.stderr)


def test_import_into_an_old_schema_says_which_migration_is_missing(
        tmp_path: Path, articles: Path) -> None:
    url = f"sqlite:///{tmp_path / 'folio.sqlite3'}"
    assert run(url, "db", "upgrade").returncode == 0
    assert run(url, "db", "downgrade", "--", "-1").returncode == 0
    result = run(url, "import-posts", str(articles))
    assert result.returncode == 1
    line = assert_one_line(result.stderr)
    assert "is at migration" in line and line.endswith("run `flask db upgrade` first")


@pytest.mark.parametrize("args", [["import-posts"], ["import-posts", "--dry-run"],
                                  ["db", "upgrade"], ["wait-for-db", "--timeout", "0"]],
                         ids=["import", "dry-run", "db-upgrade", "wait-for-db"])
def test_an_unreachable_database_is_one_line(articles: Path, args: list[str]) -> None:
    if args[0] == "import-posts":
        args = [*args, str(articles)]
    result = run(unreachable_postgres(), *args)
    assert result.returncode == 1
    line = assert_one_line(result.stderr)
    assert line.startswith("Error: ")
    assert "postgresql database 'folio' at 127.0.0.1:" in line
    assert "password" not in line


@pytest.mark.parametrize("args", [["import-posts"], ["db", "upgrade"]],
                         ids=["import", "db-upgrade"])
def test_an_unreachable_database_is_one_json_object_in_json_mode(
        articles: Path, args: list[str]) -> None:
    if args[0] == "import-posts":
        args = [*args, str(articles)]
    result = run(unreachable_postgres(), *args, log_format="json")
    assert result.returncode == 1
    assert result.stderr == ""
    record = json.loads(assert_one_line(result.stdout))
    assert record["level"] == "error"
    assert record["event"] == "database_unavailable"
    assert record["message"].startswith("cannot reach the postgresql database 'folio'")


def test_an_import_prints_its_summary_once(tmp_path: Path, articles: Path) -> None:
    url = f"sqlite:///{tmp_path / 'folio.sqlite3'}"
    assert run(url, "db", "upgrade").returncode == 0
    result = run(url, "import-posts", str(articles))
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert output.count("1 added, 0 updated") == 1, output
    assert result.stdout.splitlines()[-1].startswith("Import: 1 added, 0 updated")


def test_a_real_bug_keeps_its_traceback() -> None:
    """Only the conditions a user can act on are shortened; a bug is not hidden."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.cli.command("explode")
    def explode() -> None:
        raise ZeroDivisionError("a bug")

    guard_commands(app.cli)
    result = app.test_cli_runner().invoke(args=["explode"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_guarding_twice_wraps_once() -> None:
    group = click.Group(commands=[click.Command("x", callback=lambda: None)])
    guard_commands(group)
    first = group.commands["x"].callback
    guard_commands(group)
    assert group.commands["x"].callback is first


def test_command_failed_in_text_mode_is_clicks_error(tmp_path: Path) -> None:
    app: Flask = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.cli.command("refuse")
    def refuse() -> None:
        raise CommandFailed("cannot do that: run something else first")

    guard_commands(app.cli)
    result = app.test_cli_runner().invoke(args=["refuse"])
    assert result.exit_code == 1
    assert result.output == "Error: cannot do that: run something else first\n"


@pytest.mark.parametrize(("url", "missing"), [
    ("sqlite:///{tmp}/none.sqlite3", True),
    ("sqlite:///{tmp}/here.sqlite3", False),
    ("sqlite://", False),
    ("sqlite:///:memory:", False),
    (POSTGRES_SERVER, False),
], ids=["absent-file", "present-file", "memory", "memory-named", "postgresql"])
def test_missing_sqlite_file(tmp_path: Path, url: str, missing: bool) -> None:
    from sqlalchemy.engine import make_url

    (tmp_path / "here.sqlite3").touch()
    found = missing_sqlite_file(make_url(url.format(tmp=tmp_path)))
    assert (found == tmp_path / "none.sqlite3") if missing else found is None
