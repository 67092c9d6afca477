"""How a ``flask`` command fails: one line that says what to do, never a traceback.

A newcomer's first mistakes (importing before ``flask db upgrade``, a database that is not
running) are conditions to explain, not bugs. Every command Folio's app registers, Flask-Migrate's
``flask db ...`` included, reports them as one line on stderr, or one JSON object on stdout
when logs are JSON, and exits with status 1. Anything else still raises: a real bug keeps its
traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, Engine

from app import config, database
from app.database import UNAVAILABLE as DATABASE_UNAVAILABLE

_GUARDED = "_folio_guarded"
EXIT_FAILURE = 1


class CommandFailed(click.ClickException):
    """A command cannot go on; the message says why and what to run instead."""

    def __init__(self, message: str, event: str = "command_failed") -> None:
        super().__init__(message)
        self.event = event


def guard_commands(group: click.Group) -> None:
    """Give every command under ``group`` the one-line failure (once: Flask-Migrate's group is
    a module global that each app adds again)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            guard_commands(command)
        elif command.callback is not None and not getattr(command.callback, _GUARDED, False):
            command.callback = _one_line_failures(command.callback)


def _one_line_failures(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except DATABASE_UNAVAILABLE as error:
            app = _app()
            where = database.describe(app.config["SQLALCHEMY_DATABASE_URI"])
            fail(app, CommandFailed(f"cannot reach the {where}: {first_line(error)}; check "
                                    "DATABASE_URL and that the database server is running",
                                    event="database_unavailable"))
        except CommandFailed as error:
            fail(_app(), error)

    setattr(guarded, _GUARDED, True)
    return guarded


def fail(app: Flask, error: CommandFailed) -> None:
    """Report ``error`` as the app's logs speak and exit with status 1."""
    if config.log_format(app.config) == "json":
        app.logger.error(error.message, extra={"event": error.event})
        raise SystemExit(EXIT_FAILURE)
    raise error  # click prints "Error: <message>" on stderr and exits 1


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    return click.get_current_context().ensure_object(ScriptInfo).load_app()


def first_line(error: BaseException) -> str:
    reason = getattr(error, "orig", None) or error
    return (str(reason).strip().splitlines() or [type(reason).__name__])[0]


def require_migrated(engine: Engine, migrations_dir: Path) -> None:
    """Raise CommandFailed unless the database exists and holds Folio's tables at this code's
    migration head. An SQLite file that does not exist is not created (connecting would)."""
    missing = missing_sqlite_file(engine.url)
    if missing is not None:
        raise CommandFailed(f"the SQLite database {missing} does not exist yet: run "
                            "`flask db upgrade` first", event="database_not_migrated")
    from app.health.checks import latest_revisions

    with engine.connect() as connection:
        if not inspect(connection).has_table("import_runs"):
            raise CommandFailed(f"the {database.describe(engine.url)} has no Folio tables yet: "
                                "run `flask db upgrade` first", event="database_not_migrated")
        applied = _applied_revisions(connection)
    expected = latest_revisions(str(migrations_dir))
    # No alembic_version table: tables made from the models directly (tests), nothing to
    # compare.
    if applied is not None and applied != expected:
        raise CommandFailed(
            f"the {database.describe(engine.url)} is at migration "
            f"{', '.join(sorted(applied)) or 'none'}, this Folio needs "
            f"{', '.join(sorted(expected))}: run `flask db upgrade` first",
            event="database_not_migrated")


def _applied_revisions(connection: Connection) -> set[str] | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())



def missing_sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL names, when it does not exist: connecting would create it empty.
    None for other databases, in-memory SQLite, URI filenames, and files that exist."""
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:"):
        return None
    path = Path(name)
    return None if path.exists() else path
