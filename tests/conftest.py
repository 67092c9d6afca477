"""Shared fixtures: an app on each real database (SQLite and PostgreSQL), its client and runner.

PostgreSQL runs at 127.0.0.1:5432 on every machine of ours and on CI's; each test session gets
its own database, emptied between tests. ``TEST_POSTGRES_URL`` points elsewhere if needed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import ENV_SETTINGS
from app.extensions import db
from app.models import Base

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("FOLIO_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"


def make_database(name: str) -> str:
    """Create an empty PostgreSQL database and return its URL."""
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings in the developer's shell must not leak into tests."""
    for name in ENV_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"folio_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = make_database(name)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_database(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'folio.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    return folder


@pytest.fixture
def app(database_url: str, content_dir: Path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(content_dir),
        "SITE_URL": "http://blog.test",
    })
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


ArticleWriter = Callable[..., Path]


@pytest.fixture
def write_article(content_dir: Path) -> ArticleWriter:
    """Write an article in the house format; keyword arguments become frontmatter lines."""

    def write(name: str, body: str = "Some text.\n", *, raw: str | None = None,
              **fields: str) -> Path:
        path = content_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if raw is None:
            fields.setdefault("title", name.rsplit(".", 1)[0].replace("-", " ").title())
            fields.setdefault("date", "2025-03-01")
            header = "\n".join(f"{key}: {value}" for key, value in fields.items())
            raw = f"---\n{header}\n---\n\n{body}"
        path.write_text(raw, encoding="utf-8")
        return path

    return write


@pytest.fixture
def corpora() -> Path:
    """The real-world corpora beside the repository; on CI their absence is a failure."""
    if not CORPORA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPORA} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{CORPORA} not present")
    return CORPORA


def copy_fixture(name: str, target: Path) -> Path:
    destination = target / name
    shutil.copyfile(FIXTURES / "articles" / name, destination)
    return destination
