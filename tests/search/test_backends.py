"""How SQLite runs a search: the full-text index drives (a planner regression here once made a
common word take 15 s on 10,000 posts, with no change in results)."""

from __future__ import annotations

from pathlib import Path

from app import create_app
from app.extensions import db
from app.models import utcnow
from app.search.backends import Filters, SQLiteBackend
from app.search.query import parse_query


def test_fts5_is_asked_once_not_once_per_post(tmp_path: Path) -> None:
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'plan.sqlite3'}"})
    with app.app_context():
        db.create_all()
        backend = SQLiteBackend()
        statement = backend._matching([backend.rowid], parse_query("caching"), Filters(utcnow()))
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))
        db.session.remove()
        db.engine.dispose()

    assert "SCAN search_index VIRTUAL TABLE INDEX 0:M" in plan, plan  # a MATCH, no rowid=
    assert "0:=M" not in plan, plan
