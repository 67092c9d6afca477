"""Extension objects, created unbound and bound to an app in the factory.

Flask-Migrate is the exception: it imports Alembic, about 0.15 s that every command and every
import of an unchanged folder would pay, so it is bound only when something migrates
(``init_migrations``: the ``flask db`` commands, the tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from app import database
from app.models import Base, UTCDateTime, managed_by_migrations

_LOST_CONNECTIONS = "folio_lost_connections"  # in app.extensions: a warning throttled per app


def _render_migration_type(kind: str, obj: Any, _context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy types, so migrations never import app code."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, except that ending a request's session never fails the request: it
    runs after the response is made, where an exception becomes the server's bare 500."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.extensions[_LOST_CONNECTIONS] = database.lost_connection_log()

    # Flask-SQLAlchemy registers this method as the app-context teardown and offers no other
    # hook; tests/faults/test_database_killed.py fails if a release stops calling it.
    def _teardown_session(self, exc: BaseException | None) -> None:
        database.end_session(self.session, current_app.extensions[_LOST_CONNECTIONS])


db = Database(model_class=Base)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to ``app`` (once): what ``flask db`` and ``flask_migrate.upgrade``
    need in ``app.extensions["migrate"]``."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), compare_type=True, render_as_batch=True,
            render_item=_render_migration_type, include_object=managed_by_migrations)
