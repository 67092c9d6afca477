"""How each database runs a search. SQLite: the full-text index drives (a planner regression
here once made a common word take 15 s on 10,000 posts, with no change in results).
PostgreSQL: the stored vector is matched through its GIN index and ranked as stored (ranking
by re-parsing each matching body took 7 s for a common word at 10,000 posts)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.models import utcnow
from app.search import newest_matching, search_posts
from app.search.backends import Filters, SQLiteBackend
from app.search.query import parse_query
from tests.conftest import ArticleWriter


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


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("query", ["caching", "cach", '"caching strategies" here'])
def test_postgres_matches_on_the_indexed_column_and_never_parses_a_body_to_rank(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter, query: str) -> None:
    write_article("one.md", "We talk about caching strategies here.\n", title="Caching")
    write_article("two.md", "Caching strategies here and there.\n", title="Other")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        statements.append((sql, params))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        assert search_posts(query).total == 2
        assert len(newest_matching(query, 10)) == 2
        event.remove(db.engine, "before_cursor_execute", record)
        searches = [(sql, params) for sql, params in statements if "search_documents" in sql]
        connection = db.session.connection()
        # On two rows any plan is cheap: leave the planner only the plans that read search
        # documents by themselves, so the plan shows whether the GIN index serves the match.
        for method in ("seqscan", "indexscan", "nestloop"):
            connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
        plans = ["\n".join(connection.exec_driver_sql(f"EXPLAIN VERBOSE {sql}", params).scalars())
                 for sql, params in searches]
        db.session.rollback()

    assert len(plans) == 3  # count, rank with snippets, feed
    for plan in plans:
        assert re.search(r"Bitmap Index Scan on ix_search_documents_vector .*\n *"
                         r"Index Cond: \(search_documents\.vector @@ ", plan), plan
        # Titles are parsed to put title matches first; ts_headline parses only the page shown.
        assert not re.search(r"to_tsvector\([^()]*\b(body|excerpt|labels)\)", plan), plan
    assert "ts_rank_cd(search_documents.vector, " in plans[1]


def test_only_what_readers_can_see_is_found(app: Flask, runner: FlaskCliRunner,
                                            write_article: ArticleWriter) -> None:
    tomorrow = utcnow() + timedelta(days=1)
    write_article("out.md", "About caching.\n", title="Out", tags="Ops", category="Guides")
    write_article("draft.md", "About caching.\n", title="Draft", tags="Ops", category="Guides",
                  draft="true")
    write_article("scheduled.md", "About caching.\n", title="Scheduled", tags="Ops",
                  category="Guides", date=tomorrow.strftime("%Y-%m-%d %H:%M:%S +0000"))
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    with app.app_context():
        pages = [search_posts("caching"), search_posts("caching", tag="ops"),
                 search_posts("caching", category="guides")]
        found = [[hit.post.title for hit in page.items] for page in pages]
        newest = [post.title for post in newest_matching("caching", 10)]

    assert found == [["Out"], ["Out"], ["Out"]]
    assert [page.total for page in pages] == [1, 1, 1]
    assert newest == ["Out"]
