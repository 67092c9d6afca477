"""An import whose publication to the mirror was lost (the importer killed between its commit
and telling the mirror) reaches every reader anyway: each process asks the database at least
every VERSION_CHECK_SECONDS, and the next import repairs the mirror at once.

A kill at that exact moment is hard to time, so the tests make the state it leaves: an import
commits (the database says N+1), then the mirror is put back as it was before it (N). The
mirror is saved and restored whole (the file beside SQLite, or every non-page key under the
Redis prefix), whatever its format, so the simulation does not depend on how it is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis
from flask import Flask
from sqlalchemy.engine import make_url

from app import caching, create_app
from app.extensions import db
from tests.conftest import REDIS_URL, ArticleWriter
from tests.servers import Gunicorn, fetch, flask_command, server_environment

CHECK_SECONDS = 1.0
SLACK_SECONDS = 1.5  # a loaded CI machine's scheduling, on top of the bound itself


class Mirror:
    """The content version's mirror of one configuration, saved and put back as it was."""

    def __init__(self, database_url: str, prefix: str | None) -> None:
        database = make_url(database_url).database
        self.file = Path(database + ".version") if prefix is None and database else None
        self.prefix = prefix
        self.saved: Any = None

    def save(self) -> None:
        if self.file is not None:
            self.saved = self.file.read_bytes()
            return
        client = redis.Redis.from_url(REDIS_URL)
        self.saved = {key: (client.dump(key), client.pttl(key))
                      for key in client.scan_iter(f"{self.prefix}*")
                      if b"page:" not in key and b"lock:" not in key}
        assert self.saved, "nothing to save: the import published nothing to Redis"

    def put_back(self) -> None:
        if self.file is not None:
            self.file.write_bytes(self.saved)
            return
        client = redis.Redis.from_url(REDIS_URL)
        for key, (dumped, ttl) in self.saved.items():
            client.restore(key, max(ttl, 0), dumped, replace=True)


@pytest.fixture
def prefix(migrated_database: str, request: pytest.FixtureRequest) -> str | None:
    """SQLite runs with its mirror file, PostgreSQL with Redis (under a prefix of its own)."""
    if make_url(migrated_database).get_backend_name() == "sqlite":
        return None
    return str(request.getfixturevalue("redis_prefix"))


def settings(database_url: str, prefix: str | None, content_dir: Path,
             check_seconds: float) -> dict[str, Any]:
    configured: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url, "CONTENT_DIR": str(content_dir),
        "SITE_URL": "http://blog.test", "VERSION_CHECK_SECONDS": check_seconds}
    if prefix is not None:
        configured.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
    return configured


@pytest.fixture
def make_app(migrated_database: str, prefix: str | None,
             content_dir: Path) -> Iterator[Callable[[float], Flask]]:
    apps: list[Flask] = []

    def make(check_seconds: float) -> Flask:
        configured = settings(migrated_database, prefix, content_dir, check_seconds)
        apps.append(create_app({"TESTING": True, **configured}))
        return apps[-1]

    yield make
    for made in apps:
        with made.app_context():
            db.engine.dispose()


def import_behind_the_mirror(run_import: Callable[[], int], mirror: Mirror,
                             write_article: ArticleWriter) -> None:
    """What a kill between the commit and the publication leaves: the database holds a new
    import, the mirror still shows the one before. ``run_import`` returns the exit status."""
    mirror.save()
    write_article("second.md", title="Second Post", date="2025-02-01")
    assert run_import() == 0
    mirror.put_back()


def in_process_import(app: Flask) -> Callable[[], int]:
    """An import killed between its commit and telling the mirror: it never publishes (with
    Redis, putting the mirror back could not take back the change already pushed to the
    listening processes)."""
    def run() -> int:
        with mock.patch.object(caching, "publish_content_version"):
            return app.test_cli_runner().invoke(args=["import-posts"]).exit_code

    return run


def wait_until_fresh(ask: Callable[[], tuple[int, str]], deadline: float,
                     answers_in_a_row: int = 1) -> float:
    """Ask until ``answers_in_a_row`` answers running show the new import; the time it took.
    Fails at ``deadline`` (monotonic) with the last answer."""
    started, in_a_row, last = time.monotonic(), 0, (0, "")
    while time.monotonic() < deadline:
        last = ask()
        in_a_row = in_a_row + 1 if last[0] == 200 and "Second Post" in last[1] else 0
        if in_a_row >= answers_in_a_row:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"still stale at the deadline: the last answer was {last[0]}")


def test_every_reader_sees_a_lost_publication_within_the_check_interval(
        make_app: Callable[[float], Flask], migrated_database: str, prefix: str | None,
        write_article: ArticleWriter) -> None:
    app = make_app(CHECK_SECONDS)
    runner = app.test_cli_runner()
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    before = client.get("/")
    etag = before.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304

    import_behind_the_mirror(in_process_import(app), Mirror(migrated_database, prefix),
                             write_article)
    put_back = time.monotonic()

    def ask() -> tuple[int, str]:
        answer = client.get("/", headers={"If-None-Match": etag})  # the old ETag: no more 304
        return answer.status_code, answer.get_data(as_text=True)

    wait_until_fresh(ask, put_back + CHECK_SECONDS + SLACK_SECONDS)
    assert "Second Post" in client.get("/").get_data(as_text=True)


def test_the_next_import_repairs_the_mirror_at_once(
        make_app: Callable[[float], Flask], migrated_database: str, prefix: str | None,
        write_article: ArticleWriter) -> None:
    app = make_app(3600)  # no database check in this test's time: only the mirror tells
    runner = app.test_cli_runner()
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    etag = client.get("/").headers["ETag"]
    import_behind_the_mirror(in_process_import(app), Mirror(migrated_database, prefix),
                             write_article)
    stale = client.get("/", headers={"If-None-Match": etag})
    assert stale.status_code == 304  # the state a killed import leaves, mirror and all

    nothing_new = runner.invoke(args=["import-posts"])

    assert nothing_new.exit_code == 0 and "Nothing changed" in nothing_new.output
    fresh = client.get("/", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and b"Second Post" in fresh.data


def test_every_worker_of_a_real_server_serves_the_new_import_within_the_bound(
        migrated_database: str, prefix: str | None, content_dir: Path, tmp_path: Path,
        write_article: ArticleWriter) -> None:
    configured = settings(migrated_database, prefix, content_dir, CHECK_SECONDS)
    environment = server_environment(**{
        ("DATABASE_URL" if name == "SQLALCHEMY_DATABASE_URI" else name): str(value)
        for name, value in configured.items()})
    write_article("first.md", title="First Post", date="2025-01-01")
    assert flask_command(environment, "import-posts").returncode == 0
    with Gunicorn(environment, tmp_path / "server.log") as server:
        etag = fetch(server.base + "/").headers["ETag"]
        warm = [fetch(server.base + "/", {"If-None-Match": etag}) for _ in range(8)]
        assert [answer.status for answer in warm] == [304] * 8

        import_behind_the_mirror(
            lambda: flask_command(environment, "import-posts").returncode,
            Mirror(migrated_database, prefix), write_article)
        put_back = time.monotonic()

        def ask() -> tuple[int, str]:
            answer = fetch(server.base + "/", {"If-None-Match": etag})
            return answer.status, answer.body

        # Eight in a row: both workers (two threads each) have noticed, not just one.
        wait_until_fresh(ask, put_back + CHECK_SECONDS + SLACK_SECONDS, answers_in_a_row=8)
