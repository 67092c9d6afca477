"""``/healthz`` answers while the process runs; ``/readyz`` only when the site can be served,
and otherwise says which check failed."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db, init_migrations
from app.health.checks import latest_revisions
from tests.conftest import REPO, ArticleWriter


def make_app(url: str, content_dir: Path) -> Flask:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "CONTENT_DIR": str(content_dir)})
    init_migrations(app)  # for flask_migrate's upgrade() and downgrade() below
    return app


def test_healthz_asks_nothing_of_the_database(content_dir: Path) -> None:
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", content_dir)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_once_migrated_and_imported(migrated_database: str, content_dir: Path,
                                          write_article: ArticleWriter) -> None:
    app = make_app(migrated_database, content_dir)
    client = app.test_client()

    empty = client.get("/readyz")
    assert empty.status_code == 503
    assert empty.get_json() == {"status": "unavailable", "checks": {
        "database": "ok", "schema": "ok",
        "content": "nothing imported yet (run `flask import-posts`)"}}

    write_article("first.md", title="First Post")
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {
        "database": "ok", "schema": "ok", "content": "ok"}}
    assert ready.headers["Cache-Control"] == "no-store"
    assert client.get("/readyz").headers.get("X-Cache") is None  # never from the page cache
    with app.app_context():
        db.engine.dispose()


def test_not_ready_on_an_old_schema(migrated_database: str, content_dir: Path) -> None:
    app = make_app(migrated_database, content_dir)
    with app.app_context():
        downgrade(revision="0002")
    body = app.test_client().get("/readyz").get_json()
    assert body["status"] == "unavailable"
    head = ", ".join(sorted(latest_revisions(str(REPO / "migrations"))))
    assert body["checks"]["schema"] == f"at 0002, expected {head} (run `flask db upgrade`)"
    with app.app_context():
        upgrade()
        db.engine.dispose()


def test_not_ready_without_migrations(app: Flask, runner: FlaskCliRunner,
                                      write_article: ArticleWriter) -> None:
    # The test app's tables come from create_all(): no alembic_version table.
    write_article("first.md", title="First Post")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["schema"] == "not migrated (run `flask db upgrade`)"
