"""What "ready" means, one check at a time; each returns None when it passes, else a reason."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import ImportRun


@cache
def latest_revisions(migrations_dir: str) -> frozenset[str]:
    """The migration heads shipped with this code (read once: they cannot change at run time).
    Alembic is imported here, when first asked, not by every process that starts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database(session: Session) -> str | None:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        session.rollback()
        return f"unreachable ({type(getattr(error, 'orig', None) or error).__name__})"
    return None


def schema(session: Session, migrations_dir: Path) -> str | None:
    try:
        rows = session.execute(text("SELECT version_num FROM alembic_version"))
        applied = {row[0] for row in rows}
    except SQLAlchemyError:
        session.rollback()
        return "not migrated (run `flask db upgrade`)"
    expected = latest_revisions(str(migrations_dir))
    if applied != expected:
        return (f"at {', '.join(sorted(applied)) or 'no revision'}, expected "
                f"{', '.join(sorted(expected))} (run `flask db upgrade`)")
    return None


def content(session: Session) -> str | None:
    try:
        imported = session.scalar(select(ImportRun.id).limit(1))
    except SQLAlchemyError:
        session.rollback()
        return "unknown (the import_runs table is unreadable)"
    return None if imported is not None else "nothing imported yet (run `flask import-posts`)"
