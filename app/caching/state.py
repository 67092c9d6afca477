"""The content state every cache key and validator is made from, and how each process learns
that it changed.

The state is the id of the last import that wrote something (``ImportRun``, in the database)
plus the publication time of the newest post public right now. Each process keeps it in
memory and re-reads it from the database only when

* the version's mirror says an import happened: a Redis key when ``REDIS_URL`` is set (shared
  by every container), else a small file beside the SQLite database, else (a server database
  without Redis) the database itself on every request; or
* the next scheduled publication time has passed.

The Redis key is only a copy of what the database holds: it expires after ``VERSION_TTL``
and is then seeded again from the database (``SET NX``, so a slow seeder never overwrites a
newer import's value), and while Redis is unreachable the database is asked instead.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.caching.redis_guard import RedisGuard
from app.extensions import db
from app.models import ImportRun, Post, utcnow

VERSION_KEY = "content-version"  # in Redis, after CACHE_KEY_PREFIX
# Bounds how long a Redis copy could lag the database after a fault (an import made while
# Redis was unreachable from the importer only); in normal running imports publish at once.
VERSION_TTL = 60
_UNREACHABLE = object()


@dataclass(frozen=True)
class ContentState:
    version: str  # id of the last import run that wrote something, "0" before any
    latest_public: datetime | None  # publication time of the newest public post
    next_publication: datetime | None  # when the next scheduled post goes public
    last_modified: datetime  # the later of the last import and latest_public

    @property
    def last_modified_http(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)

    @property
    def epoch(self) -> str:
        published = self.latest_public.timestamp() if self.latest_public else 0
        return f"{self.version}.{published:.0f}"


def database_version() -> str:
    return str(db.session.scalar(select(func.max(ImportRun.id))) or 0)


def load_state(version: str) -> ContentState:
    now = utcnow()
    visible = Post.draft.is_(False)
    latest = db.session.scalar(select(func.max(Post.published_at)).where(
        visible, Post.published_at <= now))
    upcoming = db.session.scalar(select(func.min(Post.published_at)).where(
        visible, Post.published_at > now))
    imported = db.session.scalar(select(func.max(ImportRun.finished_at)))
    moments = [m for m in (latest, imported) if m is not None]
    last_modified = max(moments) if moments else datetime(2000, 1, 1, tzinfo=UTC)
    return ContentState(version, latest, upcoming, last_modified)


class StateTracker:
    """This process's copy of the content state, refreshed only when it may have changed."""

    def __init__(self, app: Flask, redis_client: Any, guard: RedisGuard | None) -> None:
        self.redis = redis_client
        self.guard = guard
        self.version_key = app.config["CACHE_KEY_PREFIX"] + VERSION_KEY
        self.version_file = version_file(app.config["SQLALCHEMY_DATABASE_URI"])
        self._lock = threading.Lock()
        self._state: ContentState | None = None
        self._file_stamp: tuple[int, int] | None = None
        self._file_value = "0"
        if guard is not None:
            # Imports made while Redis was away did not reach it: drop its copy so the next
            # reader seeds it from the database.
            guard.on_recovery(lambda: self.redis.delete(self.version_key))

    def state(self) -> ContentState:
        """The current state; needs an app context (it may ask the database)."""
        version = self._mirrored_version(seed=True)
        known = self._state
        if known is not None and known.version == version and (
                known.next_publication is None or utcnow() < known.next_publication):
            return known
        with self._lock:
            fresh = load_state(version if version is not None else database_version())
            self._state = fresh
            return fresh

    def peek(self) -> ContentState | None:
        """The state if it is known to be current without asking the database, else None."""
        known = self._state
        if known is None or (self.redis is None and self.version_file is None):
            return None
        if known.next_publication is not None and utcnow() >= known.next_publication:
            return None
        version = self._mirrored_version(seed=False)
        return known if version is not None and version == known.version else None

    def publish(self, version: str) -> None:
        if self.guard is not None:
            self.guard.call(lambda: self.redis.set(self.version_key, version, ex=VERSION_TTL),
                            None)
        if self.version_file is not None:
            temporary = self.version_file.with_suffix(".tmp")
            temporary.write_text(version)
            os.replace(temporary, self.version_file)  # atomic: readers see old or new

    def _mirrored_version(self, seed: bool) -> str | None:
        """The version as the fast mirror has it; None means "ask the database". Seeding a
        missing Redis copy asks the database, so only callers in an app context may."""
        if self.guard is not None:
            return self._redis_version(seed)
        if self.version_file is not None:
            return self._file_version(seed)
        return database_version() if seed else None

    def _redis_version(self, seed: bool) -> str | None:
        assert self.guard is not None
        was_down = self.guard.down
        value = self.guard.call(lambda: self.redis.get(self.version_key), _UNREACHABLE)
        if value is _UNREACHABLE:
            return None
        if was_down:
            value = None  # Redis is back, but its copy may predate imports made meanwhile
        if value is None:
            if not seed:
                return None
            value = database_version()
            self.guard.call(lambda: self.redis.set(self.version_key, value, ex=VERSION_TTL,
                                                   nx=True), None)
        return value.decode() if isinstance(value, bytes) else str(value)

    def _file_version(self, seed: bool) -> str | None:
        assert self.version_file is not None
        try:
            stat = self.version_file.stat()
            stamp = (stat.st_mtime_ns, stat.st_ino)
            if stamp != self._file_stamp:
                value = self.version_file.read_text().strip() or "0"
                self._file_stamp, self._file_value = stamp, value
        except FileNotFoundError:  # no import since this database got a version file
            return database_version() if seed else None
        return self._file_value


def version_file(database_url: str) -> Path | None:
    """Beside an SQLite database file; None for in-memory SQLite and server databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".version")
