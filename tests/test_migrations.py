"""The committed migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect

from app import create_app
from app.models import Base, managed_by_migrations
from tests.conftest import REPO, drop_database, make_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"folio_migrate_{uuid.uuid4().hex[:8]}"
    yield make_database(name)
    drop_database(name)


@pytest.fixture
def migrated(empty_database: str) -> Iterator[str]:
    app: Flask = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db
        db.engine.dispose()
    yield empty_database


# Alembic cannot compare the search vector's expression index (written by hand in 0003).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_builds_exactly_the_models(migrated: str) -> None:
    engine = create_engine(migrated)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": managed_by_migrations})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


EXPECTED_INDEXES = {
    "posts": [["published_at"], ["draft", "published_at"], ["author_id"], ["category_id"]],
    "post_tags": [["tag_id", "post_id"]],
    "post_aliases": [["post_id"]],
    "import_runs": [["finished_at"]],
}
EXPECTED_UNIQUE = {
    "posts": [["slug"], ["guid"], ["source_path"]],
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
            assert "USING gin" in definition and "to_tsvector" in definition
    engine.dispose()


def test_the_app_never_creates_tables_itself() -> None:
    sources = [p for p in (REPO / "app").rglob("*.py")]
    assert sources
    assert not [p for p in sources if "create_all" in p.read_text(encoding="utf-8")]
