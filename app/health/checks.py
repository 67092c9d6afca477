"""What "ready" means, one check at a time; each returns None when it passes, else a reason."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import ImportRun


@cache
def latest_revisions(migrations_dir: str) -> frozenset[str]:
    """The migration heads shipped with this code: the revisions no other revision follows.

    Read from the revision files' literal ``revision`` and ``down_revision`` assignments, not
    by Alembic: its ScriptDirectory costs about 0.35 s (importing Alembic, then every migration
    module), which every import would pay to check the schema first. A test holds the answer
    equal to Alembic's.
    """
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in sorted(Path(migrations_dir, "versions").glob("*.py")):
        assigned = _literal_assignments(path, ("revision", "down_revision"))
        if "revision" not in assigned:
            continue
        revisions.add(str(assigned["revision"]))
        down = assigned.get("down_revision")
        followed.update((down,) if isinstance(down, str) else tuple(down or ()))
    return frozenset(revisions - followed)


def _literal_assignments(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id in names:
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


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
