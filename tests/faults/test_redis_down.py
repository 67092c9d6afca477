"""Redis goes away: pages are still served and cached, in each process's own bounded memory,
and never stale (the version lives in the database); one warning is logged; sharing resumes by
itself when Redis returns."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import REDIS_URL, ArticleWriter
from tests.faults.proxy import CuttableProxy
from tests.faults.redis_server import RedisServer, own_redis

RETRY_SECONDS = 0.3


@pytest.fixture
def redis_behind_proxy(migrated_database: str,
                       content_dir: Path) -> Iterator[tuple[Flask, CuttableProxy]]:
    real = make_url(REDIS_URL.replace("redis://", "postgresql://", 1))  # a URL parser
    proxy = CuttableProxy(real.host or "127.0.0.1", real.port or 6379).start()
    prefix = f"folio-test-{uuid.uuid4().hex[:8]}:"
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database,
        "CONTENT_DIR": str(content_dir), "SITE_URL": "http://blog.test",
        "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/{real.database or 0}",
        "CACHE_KEY_PREFIX": prefix, "REDIS_RETRY_SECONDS": RETRY_SECONDS,
    })
    yield app, proxy
    proxy.cut()
    with app.app_context():
        db.engine.dispose()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def redis_events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", "") == event]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with own_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def app_on_own_redis(migrated_database: str, content_dir: Path,
                     redis_server: RedisServer) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database,
        "CONTENT_DIR": str(content_dir), "SITE_URL": "http://blog.test",
        "REDIS_URL": redis_server.url, "REDIS_RETRY_SECONDS": RETRY_SECONDS,
    })
    yield app
    with app.app_context():
        db.engine.dispose()


def test_while_redis_is_down_each_process_caches_pages_itself_never_stale(
        app_on_own_redis: Flask, redis_server: RedisServer, write_article: ArticleWriter,
        caplog: pytest.LogCaptureFixture) -> None:
    app = app_on_own_redis
    write_article("first.md", title="First Post", date="2025-01-01")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    client.get("/")
    assert client.get("/").headers["X-Cache"] == "hit"
    assert any(b"page:" in key for key in redis_server.client().keys("*"))

    redis_server.stop()  # the process is gone: connections reset, new ones refused
    with caplog.at_level(logging.INFO, logger="app"):
        during = [client.get(path) for path in ("/", "/", "/posts/first", "/posts/first")]
        # An import while Redis is away cannot tell Redis; readers must see it all the same.
        # (A new title, same date: only the import's version tells the pages apart.)
        write_article("first.md", title="Revised Post", date="2025-01-01")
        assert runner.invoke(args=["import-posts"]).exit_code == 0
        after_import = [client.get("/"), client.get("/")]

        assert [page.status_code for page in during] == [200] * 4
        # The home page is still in this process's near copy of Redis (same content, same
        # key); the post was never asked for, and the stand-in keeps it once rendered.
        assert [page.headers["X-Cache"] for page in during] == ["hit", "hit", "miss", "hit"]
        assert [page.headers["X-Cache"] for page in after_import] == ["miss", "hit"]
        assert all("Revised Post" in page.get_data(as_text=True) for page in after_import)
        assert len(redis_events(caplog, "redis_unavailable")) == 1

        redis_server.start()  # empty, on the same port
        time.sleep(RETRY_SECONDS * 2)
        first, second = client.get("/"), client.get("/")
    assert "Revised Post" in first.get_data(as_text=True)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert any(b"page:" in key for key in redis_server.client().keys("*"))  # shared again
    assert len(redis_events(caplog, "redis_recovered")) == 1
    assert len(redis_events(caplog, "redis_unavailable")) == 1


def test_the_in_process_stand_in_is_bounded(migrated_database: str, content_dir: Path,
                                            write_article: ArticleWriter) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "CONTENT_DIR": str(content_dir), "REDIS_URL": "redis://127.0.0.1:1/0",
                      "CACHE_MAX_ENTRIES": 3})
    write_article("first.md", title="First Post", date="2025-01-01", tags="Python")
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    for url in ("/", "/archive/", "/tags/", "/categories/", "/authors/", "/posts/first",
                "/feed.xml", "/rss.xml"):
        assert client.get(url).status_code == 200
    stored = app.extensions["folio_page_store"].local._cache  # cachelib's own dict
    # cachelib prunes before each insert once over the threshold: at most one more.
    assert 0 < len(stored) <= 3 + 1
    with app.app_context():
        db.engine.dispose()


def test_a_redis_that_never_answers_costs_no_errors(
        migrated_database: str, content_dir: Path, write_article: ArticleWriter) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "CONTENT_DIR": str(content_dir), "REDIS_URL": "redis://127.0.0.1:1/0"})
    write_article("first.md", title="First Post", date="2025-01-01")
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    pages = [client.get("/"), client.get("/posts/first"), client.get("/")]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert pages[2].headers["X-Cache"] == "hit"  # from this process's own memory
    with app.app_context():
        db.engine.dispose()


def test_after_an_outage_the_version_comes_from_the_database_not_redis(
        redis_behind_proxy: tuple[Flask, CuttableProxy], write_article: ArticleWriter) -> None:
    app, proxy = redis_behind_proxy
    runner = app.test_cli_runner()
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    tracker = app.extensions["folio_content_state"]
    with app.app_context():
        before = tracker.state().version  # Redis now holds this version

    proxy.cut()
    write_article("first.md", title="Revised Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0  # Redis never hears of it
    proxy.restore()
    time.sleep(RETRY_SECONDS * 2)

    with app.app_context():
        after = tracker.state().version  # the first Redis call since the outage
    assert after != before
    assert after == str(int(before) + 1)
