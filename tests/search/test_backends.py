"""How SQLite runs a search: the full-text index drives (a planner regression here once made a
common word take 15 s on 10,000 posts, with no change in results)."""

from __future__ import annotations

import pytest
from flask import Flask

from app.extensions import db
from app.models import utcnow
from app.search.backends import Filters, SQLiteBackend
from app.search.query import parse_query


def test_fts5_is_asked_once_not_once_per_post(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite query plan")
        backend = SQLiteBackend()
        statement = backend._matching([backend.rowid], parse_query("caching"), Filters(utcnow()))
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))

    assert "SCAN search_index VIRTUAL TABLE INDEX 0:M" in plan, plan  # a MATCH, no rowid=
    assert "0:=M" not in plan, plan
