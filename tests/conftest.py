"""Shared fixtures: an app on each real database (SQLite and PostgreSQL), its client and runner.

PostgreSQL runs at 127.0.0.1:5432 on every machine of ours and on CI's; each test session gets
its own database, emptied between tests. ``TEST_POSTGRES_URL`` points elsewhere if needed.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import ENV_SETTINGS
from app.extensions import db, init_migrations
from app.models import Base
from tests.remote_site import Remote, serving

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("FOLIO_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A CACHE_KEY_PREFIX of the test's own on the shared Redis; its keys deleted after."""
    import redis

    prefix = f"folio-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def remote() -> Iterator[Remote]:
    """Local web sites on 127.0.0.1 for the link checker to ask (tests/remote_site.py)."""
    with serving() as sites:
        yield sites


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


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the latest migration, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    init_migrations(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the test's own (the ``app`` fixture's are shared and
    built by ``create_all``), for tests that migrate, cut, kill or serve it from other
    processes: a SQLite file in ``tmp_path/instance``, or a PostgreSQL database dropped after."""
    if request.param == "sqlite":
        folder = tmp_path / "instance"
        folder.mkdir()
        yield f"sqlite:///{folder / 'folio.sqlite3'}"
        return
    name = f"folio_own_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield make_database(name)
    drop_database(name)


@pytest.fixture
def migrated_database(empty_database: str) -> str:
    """An ``empty_database`` brought to the latest migration."""
    migrate(empty_database)
    return empty_database


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
        queries_in_templates = forbid_queries_in_templates(app)
    yield app
    assert not queries_in_templates, (f"templates ran {len(queries_in_templates)} SQL "
                                      f"statements, the first: {queries_in_templates[0]}")
    release_database(app)


def release_database(app: Flask) -> None:
    """After a test: its session gone, the shared PostgreSQL database emptied for the next
    test, every connection closed."""
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    # The page folder this app's workers would share: gone at exit anyway, but a session
    # makes thousands of apps.
    if app.config.get("CACHE_TYPE") == "app.caching.shared.SharedFolderCache":
        shutil.rmtree(app.config["CACHE_DIR"], ignore_errors=True)


def forbid_queries_in_templates(app: Flask) -> list[str]:
    """Record every SQL statement run while a template renders: pages must load what they
    show before rendering (a lazy load in a template is an N+1 waiting to happen)."""
    rendering = threading.local()
    offences: list[str] = []

    def before(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendering.depth = getattr(rendering, "depth", 0) + 1

    def after(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendering.depth -= 1

    def on_sql(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if getattr(rendering, "depth", 0):
            offences.append(statement)

    before_render_template.connect(before, app, weak=False)
    template_rendered.connect(after, app, weak=False)
    event.listen(db.engine, "before_cursor_execute", on_sql)
    return offences


class QueryCounter:
    """Counts the SQL statements an app runs while active (``with QueryCounter(app) as q``)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.statements: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


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


# The corpora of single articles; sites/ holds whole blogs in other engines' layouts.
ARTICLE_CORPORA = ("seed", "hugo-basic-example", "jekyll-news")


@pytest.fixture
def article_corpora(corpora: Path, tmp_path: Path) -> Path:
    """The single-article corpora as one folder to import, copied into ``tmp_path`` (never
    into the project)."""
    folder = tmp_path / "corpora"
    for name in ARTICLE_CORPORA:
        shutil.copytree(corpora / name, folder / name)
    return folder


def copy_fixture(name: str, target: Path) -> Path:
    destination = target / name
    shutil.copyfile(FIXTURES / "articles" / name, destination)
    return destination


RICH_BODY = """Opening paragraph with a [link to the older post](/posts/older) and a
footnote.[^1]

![A diagram](diagram.svg)

## Setup

Install it.

## Code

```python
def greet(name: str) -> str:
    return f"hello {name}"
```

### Details

More.

[^1]: The footnote text.
"""

THREE_HEADINGS = "Intro.\n\n## One\n\nA.\n\n## Two\n\nB.\n\n## Three\n\nC.\n"


@pytest.fixture
def site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    """A small published site covering every page feature, plus a draft, a scheduled post and
    a post whose every field is hostile markup."""
    write_article("older.md", date="2025-01-01", title="The Older Post", author="Ada Lovelace",
                  category="Engines", tags="Python, Design")
    write_article("middle.md", date="2025-03-01", title="The Middle Post",
                  author="Ada Lovelace", category="Compilers", tags="Tools, Design")
    write_article("newer.md", RICH_BODY, date="2025-06-01", updated="2025-07-01",
                  title="The Newer Post", author="Grace Hopper", category="Compilers",
                  tags="Python, Tools", read_time="4 min", image="/static/images/flask-layers.svg",
                  image_alt="Layers of a Flask app", excerpt="What the newer post is about.")
    write_article("no-toc.md", THREE_HEADINGS, date="2024-06-01", title="No Contents Here",
                  author="Ada Lovelace", tags="Python", toc="false")
    write_article("secret.md", THREE_HEADINGS, draft="true", title="A Draft",
                  author="Shadow Writer", category="Secret Stuff", tags="Hidden, Python")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    write_article("later.md", date=tomorrow, title="Scheduled", author="Time Traveller",
                  category="Engines", tags="Future, Python")
    write_article("xss.md", raw=XSS_ARTICLE)
    write_article("diagram.svg", raw=DIAGRAM_SVG)  # the newer post's image, beside it
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


DIAGRAM_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200"></svg>\n'
SCRIPT_TITLE = "<script>alert(1)</script>"
XSS_ARTICLE = f"""---
title: '{SCRIPT_TITLE}'
date: 2024-01-01
author: '<b>Mallory</b>'
category: '<em>Cat</em>'
tags: <i>t</i>
image: /static/images/flask-layers.svg?a="><script>alert(3)</script>
excerpt: '</script><script>alert(4)</script>'
---

<script>alert(2)</script>ok
"""


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one for the whole run: the browser tests and the
    acceptance tests of tests/sites share it (a second sync Playwright in the same thread,
    while the first is alive, refuses to start)."""
    from playwright.sync_api import sync_playwright

    from tests import webcheck

    webcheck.require("chromium")
    with sync_playwright() as playwright:
        # headless=True as well as --headless: Playwright then also hides scrollbars, so a
        # 360-pixel viewport lays out 360 pixels wide, as on a phone.
        chromium = playwright.chromium.launch(executable_path=webcheck.chromium_path(),
                                              headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
