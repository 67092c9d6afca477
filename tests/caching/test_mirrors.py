"""The content state's mirrors: what they hold survives a round trip, they never move backwards
(a slow process cannot put an older import's state back), and a reader follows the database
where a mirror cannot be corrected."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskCliRunner

from app import create_app
from app.caching.mirrors import FileMirror, Mirror, Reading, RedisMirror
from app.caching.redis_guard import RedisGuard, connect
from app.caching.state import ContentState
from app.extensions import db
from tests.conftest import REDIS_URL, ArticleWriter

JAN, FEB = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, 12, 30, 5, 123, tzinfo=UTC)


def a_state(version: str, latest: datetime | None = JAN,
            upcoming: datetime | None = None) -> ContentState:
    return ContentState(version, latest, upcoming, latest or JAN)


def held(mirror: Mirror) -> Reading:
    reading = mirror.read()
    assert reading is not None, "the mirror was unreachable"
    return reading


@pytest.fixture
def redis_mirror(redis_prefix: str) -> RedisMirror:
    return RedisMirror(connect(REDIS_URL), RedisGuard("test", 1.0), redis_prefix + "content-state")


@pytest.mark.parametrize("state", [a_state("0", None), a_state("7", FEB, upcoming=FEB),
                                   a_state("12", JAN)])
def test_a_state_survives_its_json(state: ContentState) -> None:
    again = ContentState.from_json(state.to_json())

    assert again == state and again.epoch == state.epoch
    assert again.last_modified_http == state.last_modified_http


@pytest.mark.parametrize("raw", ['{"version": "x1"}', "[]", "not json",
                                 '{"version": "3", "latest_public": null, '
                                 '"next_publication": null, "last_modified": "2025-01-01"}'])
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        ContentState.from_json(raw)


def test_redis_holds_the_newest_state_whatever_the_order_of_writes(
        redis_mirror: RedisMirror) -> None:
    assert held(redis_mirror).version is None  # empty, and says so

    redis_mirror.publish(a_state("5"))
    redis_mirror.publish(a_state("4", FEB))  # a slow process, read before import 5
    assert held(redis_mirror).state == a_state("5")

    redis_mirror.publish(a_state("5", FEB))  # the same import, a post gone live since
    redis_mirror.publish(a_state("5", JAN))
    assert held(redis_mirror).state == a_state("5", FEB)
    # No expiry: a worker started during a database outage needs it as long as pages live.
    assert redis.Redis.from_url(REDIS_URL).ttl(redis_mirror.key) == -1


def test_a_foreign_value_in_redis_reads_as_empty(redis_mirror: RedisMirror) -> None:
    redis.Redis.from_url(REDIS_URL).hset(redis_mirror.key, mapping={"state": "garbage"})

    assert held(redis_mirror).version is None
    redis_mirror.publish(a_state("3"))
    assert held(redis_mirror).version == "3"


def test_the_file_holds_the_newest_version_whatever_the_order_of_writes(
        tmp_path: Path) -> None:
    mirror = FileMirror(tmp_path / "folio.sqlite3.version")
    assert held(mirror).version is None

    mirror.publish(a_state("10"))
    mirror.publish(a_state("9"))

    assert held(mirror).version == "10"
    assert mirror.path.read_text() == "10"


def test_a_redis_ahead_of_a_restored_database_is_overruled_not_followed(
        migrated_database: str, content_dir: Path, redis_prefix: str,
        write_article: ArticleWriter) -> None:
    """After restoring an older backup the database's versions are lower than Redis's copy,
    which "set if newer" will not lower: each reader follows the database from its next
    check on, and stays there (it does not flip back to the mirror between checks)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database,
                      "CONTENT_DIR": str(content_dir), "REDIS_URL": REDIS_URL,
                      "CACHE_KEY_PREFIX": redis_prefix, "VERSION_CHECK_SECONDS": 3600})
    write_article("first.md", title="First Post", date="2025-01-01")
    runner: FlaskCliRunner = app.test_cli_runner()
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    tracker = app.extensions["folio_content_state"]
    mirror: RedisMirror = tracker.mirror
    mirror.publish(a_state("99"))  # left by the database as it was before the restore

    with app.app_context():
        versions = [tracker.state().version for _ in range(3)]
    assert versions == ["1"] * 3
    peeked = tracker.peek()
    assert peeked is not None and peeked.version == "1"
    with app.app_context():
        db.engine.dispose()


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def hgets_served() -> int:
    """The HGET calls the real Redis has answered so far."""
    stats = redis.Redis.from_url(REDIS_URL).info("commandstats")
    return int(stats.get("cmdstat_hget", {}).get("calls", 0))


def test_a_listening_process_reads_the_state_without_asking_redis(
        redis_mirror: RedisMirror) -> None:
    redis_mirror.publish(a_state("3"))
    assert held(redis_mirror).version == "3"  # asked Redis, and started listening
    wait_for(lambda: redis_mirror._heard is not None)

    before = hgets_served()
    readings = [held(redis_mirror) for _ in range(200)]

    assert {reading.version for reading in readings} == {"3"}
    assert hgets_served() - before <= 1  # another test's client may ask meanwhile


def test_a_change_published_elsewhere_reaches_the_listening_process(
        redis_mirror: RedisMirror, redis_prefix: str) -> None:
    held(redis_mirror)
    wait_for(lambda: redis_mirror._heard is not None)
    elsewhere = RedisMirror(connect(REDIS_URL), RedisGuard("test", 1.0),
                            redis_prefix + "content-state")

    elsewhere.publish(a_state("8", FEB))

    wait_for(lambda: held(redis_mirror).version == "8", seconds=2)
    assert held(redis_mirror).state == a_state("8", FEB)


def test_a_late_message_never_takes_the_heard_state_back(redis_mirror: RedisMirror) -> None:
    newer, older = a_state("9").to_json().encode(), a_state("4").to_json().encode()
    redis_mirror._hear(redis_mirror._reading(newer))
    redis_mirror._hear(redis_mirror._reading(older))

    assert redis_mirror._heard is not None and redis_mirror._heard.version == "9"


def test_the_listener_ends_with_its_mirror(redis_prefix: str) -> None:
    mirror = RedisMirror(connect(REDIS_URL), RedisGuard("test", 1.0),
                         redis_prefix + "content-state")
    before = set(threading.enumerate())
    held(mirror)
    started = [thread for thread in set(threading.enumerate()) - before
               if thread.name == "content-state-listener"]
    assert len(started) == 1
    del mirror
    gc.collect()

    wait_for(lambda: not started[0].is_alive(), seconds=5)
