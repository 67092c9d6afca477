"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect

from app import create_app
from app.models import Base, managed_by_migrations
from tests.conftest import REPO


@pytest.fixture
def migrated(empty_database: str) -> Iterator[str]:
    app: Flask = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db
        db.engine.dispose()
    yield empty_database


def test_upgrade_builds_exactly_the_models(migrated: str) -> None:
    engine = create_engine(migrated)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": managed_by_migrations})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


EXPECTED_INDEXES = {
    "posts": [["published_at"], ["kind", "draft", "published_at", "expires_at", "updated_at",
                                   "slug", "title"], ["author_id"],
              ["category_id"]],
    "post_tags": [["tag_id", "post_id"]],
    "post_aliases": [["post_id"]],
    "import_runs": [["finished_at"]],
    "post_links": [["target_id"]],
}
EXPECTED_UNIQUE = {
    "posts": [["slug"], ["guid"], ["source_path"], ["path"]],
    "tags": [["slug"]],
    "categories": [["slug"]],
    "authors": [["slug"]],
}


def test_every_filtered_or_sorted_column_is_indexed(migrated: str) -> None:
    engine = create_engine(migrated)
    inspector = inspect(engine)
    for table, expected in EXPECTED_INDEXES.items():
        indexed = [index["column_names"] for index in inspector.get_indexes(table)]
        for columns in expected:
            assert columns in indexed, f"{table}{columns} has no index"
    for table, expected in EXPECTED_UNIQUE.items():
        unique = [c["column_names"] for c in inspector.get_unique_constraints(table)]
        unique += [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
        for columns in expected:
            assert columns in unique, f"{table}{columns} is not unique"
    assert inspector.get_pk_constraint("post_tags")["constrained_columns"] == ["post_id", "tag_id"]
    engine.dispose()


def test_search_indexes_exist(migrated: str) -> None:
    engine = create_engine(migrated)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name LIKE 'search_%'").scalars().all()
            assert {"search_index", "search_documents_ai", "search_documents_ad",
                    "search_documents_au"} <= set(names)
        else:
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_documents_vector'"
            ).scalar_one()
            assert definition.endswith("USING gin (vector)")
            assert "to_tsvector" in search_schema(migrated)["column"]
    engine.dispose()


def search_schema(url: str) -> dict[str, Any]:
    """How the database searches. PostgreSQL: the generated column's expression and what the
    GIN index covers (the column, or an expression of its own), as PostgreSQL prints them.
    SQLite: the FTS5 table and triggers as created."""
    engine = create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found: dict[str, Any] = {"sql": connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name LIKE 'search_%' ORDER BY name"
            ).scalars().all()}
        else:
            found = {
                "column": connection.exec_driver_sql(
                    "SELECT generation_expression FROM information_schema.columns "
                    "WHERE table_name = 'search_documents' AND column_name = 'vector'").scalar(),
                "indexed": connection.exec_driver_sql(
                    "SELECT pg_get_indexdef('ix_search_documents_vector'::regclass, 1, true)"
                ).scalar_one(),
            }
    engine.dispose()
    return found


def migrate_to(url: str, *command: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    result = app.test_cli_runner().invoke(args=["db", *command])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db
        db.engine.dispose()


def test_the_stored_vector_is_the_one_0003_indexed_and_downgrades(migrated: str) -> None:
    head = search_schema(migrated)
    migrate_to(migrated, "downgrade", "0003")
    old = search_schema(migrated)
    migrate_to(migrated, "upgrade")

    assert search_schema(migrated) == head
    if migrated.startswith("sqlite"):
        assert old == head  # FTS5 is 0003's alone: 0004 changes nothing
    else:
        assert head == {"column": old["indexed"], "indexed": "vector"}
        assert old["column"] is None


def test_the_app_never_creates_tables_itself() -> None:
    sources = [p for p in (REPO / "app").rglob("*.py")]
    assert sources
    assert not [p for p in sources if "create_all" in p.read_text(encoding="utf-8")]


def test_0005_upgrades_a_site_with_posts_and_downgrades_without_its_pages(
        empty_database: str, tmp_path: Path) -> None:
    """In place on both databases: SQLite cannot rebuild a posts table that has rows."""
    migrate_to(empty_database, "upgrade", "0004")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (slug, name) VALUES ('a', 'A')")
        connection.exec_driver_sql(
            "INSERT INTO posts (guid, slug, title, author_id, published_at, reading_minutes, "
            "excerpt, source, html, toc, source_path, content_hash, draft, extra, imported_at) "
            "SELECT 'g', 'old', 'Old', id, '2025-01-01 00:00:00', 1, '', 'x', 'x', '[]', "
            "'old.md', 'h', false, '{}', '2025-01-01 00:00:00' FROM authors")
        connection.exec_driver_sql("INSERT INTO search_documents (post_id, title, labels, "
                                   "excerpt, body) SELECT id, 'Old', '', '', 'x' FROM posts")
    migrate_to(empty_database, "upgrade")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT kind FROM posts").scalars().all() == ["post"]

    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "pages" / "about.md").write_text("---\ntitle: About\naliases: who\n---\n\nB.\n")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database,
                      "CONTENT_DIR": str(content)})
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    with app.app_context():
        from app.extensions import db
        db.engine.dispose()
    migrate_to(empty_database, "downgrade", "0004")

    with engine.connect() as connection:
        counts = [connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                  for table in ("posts", "search_documents", "post_aliases")]
    engine.dispose()
    assert counts == [1, 1, 0]  # the post stays; the page and its rows go
