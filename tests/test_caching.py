"""Caching that is always right: validators, 304s, invalidation by import (in this process and
across processes, with and without Redis), scheduled posts, one render per cold page, bounds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, before_render_template, request_started, template_rendered
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.extensions import db
from tests.conftest import REDIS_URL, ArticleWriter
from tests.servers import Gunicorn, fetch, flask_command, server_environment


@pytest.fixture
def extra_app() -> Iterator[Any]:
    """More apps on the test's database (other "processes"); their pools close afterwards."""
    apps: list[Flask] = []

    def make(**settings: Any) -> Flask:
        apps.append(create_app({"TESTING": True, **settings}))
        return apps[-1]

    yield make
    for made in apps:
        with made.app_context():
            db.engine.dispose()


@pytest.fixture
def one_post(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("first.md", title="First Post", date="2025-01-01", tags="Python")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    return app


def renders(app: Flask) -> list[str]:
    names: list[str] = []
    template_rendered.connect(lambda sender, template, context, **kw: names.append(
        template.name), app, weak=False)
    return names


@pytest.mark.parametrize("url", ["/", "/posts/first", "/tags/python", "/feed.xml",
                                 "/api/v1/posts", "/api/v1/posts/first", "/posts/first.md",
                                 "/sitemap.xml", "/search?q=first"])
def test_second_request_is_a_hit_and_a_conditional_one_a_304(one_post: Flask,
                                                             client: FlaskClient,
                                                             url: str) -> None:
    first = client.get(url)
    rendered = renders(one_post)
    second = client.get(url)
    conditional = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert second.data == first.data and second.mimetype == first.mimetype
    assert conditional.status_code == 304 and conditional.data == b""
    assert conditional.headers["ETag"] == first.headers["ETag"]
    assert since.status_code == 304
    assert rendered == []  # neither the hit nor the 304s rendered anything
    assert first.headers["Cache-Control"] == "public, no-cache"


def test_an_import_changes_every_page_at_once(one_post: Flask, client: FlaskClient,
                                              runner: FlaskCliRunner,
                                              write_article: ArticleWriter) -> None:
    before = client.get("/")
    assert client.get("/").headers["X-Cache"] == "hit"

    write_article("second.md", title="Second Post", date="2025-02-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    after = client.get("/")

    assert b"Second Post" in after.data and after.headers["X-Cache"] == "miss"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_an_import_that_changes_nothing_keeps_the_cache(one_post: Flask, client: FlaskClient,
                                                        runner: FlaskCliRunner) -> None:
    etag = client.get("/").headers["ETag"]
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_a_scheduled_post_appears_on_time_without_an_import(
        app: Flask, client: FlaskClient, runner: FlaskCliRunner,
        write_article: ArticleWriter) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    write_article("now.md", title="Already Out", date="2025-01-01")
    write_article("soon.md", title="Out Soon", date=soon.strftime("%Y-%m-%d %H:%M:%S +0000"))
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    early = client.get("/")
    assert b"Out Soon" not in early.data and client.get("/").headers["X-Cache"] == "hit"

    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
    late = client.get("/")

    assert b"Out Soon" in late.data
    assert late.headers["ETag"] != early.headers["ETag"]


def test_settings_are_part_of_the_key(one_post: Flask, client: FlaskClient) -> None:
    client.get("/posts/first")
    one_post.config["SITE_URL"] = "https://elsewhere.example"

    assert b"https://elsewhere.example/posts/first" in client.get("/posts/first").data


def test_errors_are_not_cached(one_post: Flask, client: FlaskClient) -> None:
    assert client.get("/posts/nope").status_code == 404
    response = client.get("/posts/nope")

    assert response.status_code == 404 and "X-Cache" not in response.headers
    assert "ETag" not in response.headers


def test_a_cold_page_renders_once_however_many_ask(one_post: Flask) -> None:
    rendered = renders(one_post)
    started = threading.Event()

    def slow_render(sender: Flask, template: Any, context: dict[str, Any], **kw: Any) -> None:
        started.set()
        time.sleep(0.3)  # long enough for every other request to arrive meanwhile

    before_render_template.connect(slow_render, one_post, weak=False)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(one_post.test_client().get("/archive/").status_code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert statuses == [200] * 8
    assert rendered.count("archive/index.html") == 1


def test_requests_waiting_on_a_render_that_stores_nothing_go_on_at_once(
        one_post: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 404 (or a 301, a 410) is not stored: requests that waited on its render must not go on
    waiting for a copy that never comes (they did, for WAIT_FOR_OTHER_RENDER each)."""
    monkeypatch.setattr("app.caching.requests.WAIT_FOR_OTHER_RENDER", 60.0)
    entered = threading.Event()
    release = threading.Event()

    def hold_the_render(sender: Flask, **kw: Any) -> None:
        if not entered.is_set():
            entered.set()
            release.wait(10)

    request_started.connect(hold_the_render, one_post, weak=False)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(one_post.test_client().get("/posts/no-such-post").status_code)

    first = threading.Thread(target=ask)
    first.start()
    entered.wait(10)
    waiters = [threading.Thread(target=ask) for _ in range(3)]
    for thread in waiters:
        thread.start()
    time.sleep(0.2)  # the waiters find the render lock taken
    release.set()
    for thread in [first, *waiters]:
        thread.join(timeout=15)  # without the fix they would wait the full 60 s

    assert statuses == [404] * 4


def test_the_in_process_cache_is_bounded(one_post: Flask, database_url: str,
                                         content_dir: Path, extra_app: Any) -> None:
    small = extra_app(SQLALCHEMY_DATABASE_URI=database_url, CONTENT_DIR=str(content_dir),
                      CACHE_MAX_ENTRIES=3)
    client = small.test_client()
    for url in ("/", "/archive/", "/tags/", "/categories/", "/authors/", "/posts/first",
                "/feed.xml", "/rss.xml"):
        assert client.get(url).status_code == 200
    folder = Path(small.config["CACHE_DIR"])  # the folder the server's workers share
    stored = [path for path in folder.iterdir() if not path.name.startswith("__")]
    # Once over the threshold, cachelib prunes a third of the folder before an insert: 8
    # pages never make 8 files.
    assert 0 < len(stored) <= 3 * 2
    near = small.extensions["folio_page_store"].near
    assert 0 < len(near) <= 3


def test_redis_holds_the_pages_and_the_content_state(one_post: Flask, database_url: str,
                                               content_dir: Path, redis_prefix: str,
                                               write_article: ArticleWriter,
                                               extra_app: Any) -> None:
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "CONTENT_DIR": str(content_dir),
                "REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": redis_prefix}
    reader, importer = extra_app(**settings), extra_app(**settings)
    assert reader.test_client().get("/").headers["X-Cache"] == "miss"
    assert extra_app(**settings).test_client().get("/").headers["X-Cache"] == "hit"  # shared

    write_article("second.md", title="Second Post", date="2025-02-01")
    assert importer.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0

    keys = redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}*")
    assert any(key.endswith(b"content-state") for key in keys)
    assert any(b"page:" in key for key in keys)
    assert b"Second Post" in reader.test_client().get("/").data


# --- separate processes ----------------------------------------------------------------------

REQUESTS_PER_SERVER = 12  # with 2 workers each, enough that every worker answers some


@pytest.mark.parametrize("shared_cache", ["per-process", "redis"])
def test_an_import_in_a_third_process_reaches_every_worker_of_two_servers(
        one_post: Flask, database_url: str, content_dir: Path, tmp_path: Path,
        write_article: ArticleWriter, redis_prefix: str, shared_cache: str) -> None:
    """Two gunicorn servers (two workers each, as two containers would run) on one database;
    an import by a third process is on every page they serve from the next request on."""
    environment = server_environment(DATABASE_URL=database_url, CONTENT_DIR=str(content_dir),
                                     SITE_URL="http://blog.test")
    if shared_cache == "redis":
        environment.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix)
    servers = [Gunicorn(environment, tmp_path / f"server-{n}.log").start() for n in range(2)]
    try:
        for server in servers:
            warm = [fetch(server.base + "/") for _ in range(REQUESTS_PER_SERVER)]
            assert all("First Post" in page.body for page in warm)
            assert any(page.headers.get("X-Cache") == "hit" for page in warm)

        write_article("second.md", title="Second Post", date="2025-02-01")
        imported = flask_command(environment, "import-posts")
        assert imported.returncode == 0, imported.stdout + imported.stderr

        for server in servers:
            pages = [fetch(server.base + "/") for _ in range(REQUESTS_PER_SERVER)]
            assert all("Second Post" in page.body for page in pages), server.log()
    finally:
        for server in servers:
            server.stop()


def test_hits_and_304s_skip_flask_when_a_mirror_knows_the_version(one_post: Flask,
                                                                   client: FlaskClient) -> None:
    first = client.get("/posts/first")
    started: list[object] = []
    request_started.connect(lambda sender, **kw: started.append(sender), one_post, weak=False)

    hit = client.get("/posts/first")
    head = client.head("/posts/first")
    not_modified = client.get("/posts/first", headers={"If-None-Match": first.headers["ETag"]})

    assert (hit.status_code, head.status_code, not_modified.status_code) == (200, 200, 304)
    assert head.data == b"" and int(head.headers["Content-Length"]) == len(first.data)
    if one_post.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert started == []  # answered in front of Flask, by the WSGI fast path
    else:  # without Redis only the database knows the version: Flask's hooks ask it
        assert len(started) == 3
