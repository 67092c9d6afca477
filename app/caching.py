"""Whole-response caching and conditional requests that are never stale.

Every cacheable GET is keyed on the *content state*: the id of the last import that changed
something (stored in the database by ``ImportRun``) and the publication time of the newest
post that is public right now. An import changes the first; a scheduled post going live
changes the second, with no import and no timer. Each process keeps the state in memory and
re-reads it from the database only when

* the content version's mirror says an import happened: a Redis key when ``REDIS_URL`` is
  set (shared by every container), else a small file beside the SQLite database, else (a
  server database without Redis) the database itself on every request; or
* the next scheduled publication time has passed.

So a reader never gets a page from before the last import, on any worker, and a hit costs a
file ``stat`` or one Redis ``GET``. Responses carry an ``ETag`` and ``Last-Modified`` from the
same state, so a conditional request is answered ``304`` before any view runs. A miss on a
cold cache renders once: the first request takes a short lock (``cache.add``, atomic in
Redis and within a process) and the others wait for its result instead of rendering too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_caching import Cache
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import ImportRun, Post, utcnow

log = logging.getLogger(__name__)
cache = Cache()

VERSION_KEY = "content-version"  # in Redis, after CACHE_KEY_PREFIX
UNCACHED_ENDPOINTS = frozenset({"static"})
# Settings that change what a page looks like; part of every key, so a new value in one
# process never serves a page rendered with the old one.
KEY_SETTINGS = ("SITE_URL", "SITE_NAME", "SITE_DESCRIPTION", "SITE_LANGUAGE", "BLOG_TIMEZONE",
                "POSTS_PER_PAGE", "FEED_SIZE", "FOLIO_ENV")
WAIT_FOR_OTHER_RENDER = 2.0  # seconds a request waits for an identical render in progress
LOCK_SECONDS = 10
# Headers that belong to one exchange, not to the stored representation.
# Browsers and proxies keep a copy but ask each time: the answer is usually a cheap 304, and
# never a page from before the last import.
BROWSER_CACHING = "public, no-cache"
_NOT_STORED = frozenset({"date", "set-cookie", "content-length", "x-cache"})


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


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_THRESHOLD", app.config["CACHE_MAX_ENTRIES"])
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config["CACHE_SECONDS"])
    cache.init_app(app)
    app.extensions["folio_content_state"] = _StateTracker(app)
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(_answer_from_cache)
    app.after_request(_store_in_cache)
    app.teardown_request(_release_render_lock)


# --- the content version ------------------------------------------------------------------

def publish_content_version(app: Flask) -> None:
    """Tell every process that the content changed; call after an import has committed."""
    app.extensions["folio_content_state"].publish(_database_version())


def current_state() -> ContentState:
    tracker: _StateTracker = current_app.extensions["folio_content_state"]
    return tracker.state()


def _database_version() -> str:
    return str(db.session.scalar(select(func.max(ImportRun.id))) or 0)


def _load_state(version: str) -> ContentState:
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


class _StateTracker:
    """This process's copy of the content state, refreshed only when it may have changed."""

    def __init__(self, app: Flask) -> None:
        self.redis_url: str | None = app.config.get("REDIS_URL")
        self.version_key = app.config["CACHE_KEY_PREFIX"] + VERSION_KEY
        self.version_file = _version_file(app.config["SQLALCHEMY_DATABASE_URI"])
        self._redis: Any = None
        self._lock = threading.Lock()
        self._state: ContentState | None = None
        self._file_stamp: tuple[int, int] | None = None
        self._file_value = "0"

    def state(self) -> ContentState:
        version = self._mirrored_version()
        known = self._state
        if known is not None and known.version == version and (
                known.next_publication is None or utcnow() < known.next_publication):
            return known
        with self._lock:
            fresh = _load_state(version if version is not None else _database_version())
            self._state = fresh
            return fresh

    def peek(self) -> ContentState | None:
        """The state if it is known to be current without asking the database, else None."""
        known = self._state
        if known is None or (self.redis_url is None and self.version_file is None):
            return None
        if known.next_publication is not None and utcnow() >= known.next_publication:
            return None
        try:
            version = self._mirrored_version()
        except Exception:  # the mirror is unreachable: the slow path decides what to do
            return None
        return known if version == known.version else None

    def publish(self, version: str) -> None:
        if self.redis_url:
            self._client().set(self.version_key, version)
        if self.version_file is not None:
            temporary = self.version_file.with_suffix(".tmp")
            temporary.write_text(version)
            os.replace(temporary, self.version_file)  # atomic: readers see old or new

    def _mirrored_version(self) -> str | None:
        """The version as the fast mirror has it; None means "ask the database"."""
        if self.redis_url:
            value = self._client().get(self.version_key)
            if value is None:  # a fresh Redis: seed it from the database
                value = _database_version()
                self._client().set(self.version_key, value)
            return value.decode() if isinstance(value, bytes) else str(value)
        if self.version_file is not None:
            return self._file_version()
        return _database_version()

    def _file_version(self) -> str:
        try:
            stat = self.version_file.stat()  # type: ignore[union-attr]
        except FileNotFoundError:  # no import since this database got a version file
            return _database_version()
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp != self._file_stamp:
            value = self.version_file.read_text().strip() or "0"  # type: ignore[union-attr]
            self._file_stamp, self._file_value = stamp, value
        return self._file_value

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(str(self.redis_url), socket_timeout=1.0,
                                               socket_connect_timeout=1.0)
        return self._redis


def _version_file(database_url: str) -> Path | None:
    """Beside an SQLite database file; None for in-memory SQLite and server databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".version")


# --- the request cycle ------------------------------------------------------------------------

def _cacheable() -> bool:
    return (request.method in ("GET", "HEAD") and request.endpoint is not None
            and request.endpoint not in UNCACHED_ENDPOINTS
            and not current_app.config.get("CACHE_DISABLED", False))


def request_identity(environ: dict[str, Any]) -> str:
    """The resource asked for, as raw as the server gave it, the same way in both paths."""
    return (str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "")) + "?"
            + str(environ.get("QUERY_STRING", "")))


def validators(identity: str, state: ContentState, config: Any) -> tuple[str, str]:
    """The cache key and ETag of one resource in one content state under these settings."""
    settings = "|".join(str(config[name]) for name in KEY_SETTINGS)
    digest = hashlib.blake2b(f"{state.epoch}|{identity}|{settings}".encode(),
                             digest_size=16).hexdigest()
    return f"page:{digest}", f'"{digest}"'


def _answer_from_cache() -> Response | None:
    if not _cacheable():
        return None
    state = current_state()
    key, etag = validators(request_identity(request.environ), state, current_app.config)
    g.cache_key, g.etag, g.content_state = key, etag, state
    if _not_modified(etag, state):
        return _with_validators(Response(status=304), etag, state)
    stored = cache.get(key)
    if stored is None and not cache.add(f"lock:{key}", 1, timeout=LOCK_SECONDS):
        stored = _wait_for(key)  # someone else is rendering this very page
    elif stored is None:
        g.cache_lock = f"lock:{key}"
    if stored is None:
        return None
    status, headers, body = stored
    response = Response(body, status=status, headers=headers)
    response.headers["X-Cache"] = "hit"
    g.cache_hit = True
    return _with_validators(response, etag, state)


def _not_modified(etag: str, state: ContentState) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(etag.strip('"'))
    since = request.if_modified_since
    return since is not None and int(state.last_modified.timestamp()) <= since.timestamp()


def _wait_for(key: str) -> Any:
    deadline = time.monotonic() + WAIT_FOR_OTHER_RENDER
    while time.monotonic() < deadline:
        time.sleep(0.01)
        stored = cache.get(key)
        if stored is not None:
            return stored
    return None


def _store_in_cache(response: Response) -> Response:
    key = g.get("cache_key")
    if key is None or g.get("cache_hit") or response.status_code == 304:
        return response
    state: ContentState = g.content_state
    if response.status_code == 200 and not response.is_streamed \
            and "Set-Cookie" not in response.headers:
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in _NOT_STORED]
        cache.set(key, (200, headers, response.get_data()), timeout=_lifetime(state))
        response.headers["X-Cache"] = "miss"
    if response.status_code == 200:
        _with_validators(response, g.etag, state)
    return response


def _lifetime(state: ContentState) -> int:
    """Seconds a page may stay cached: the configured time, but never past the next scheduled
    publication (the key changes then anyway; this frees the memory)."""
    seconds = int(current_app.config["CACHE_SECONDS"])
    if state.next_publication is not None:
        until = (state.next_publication - utcnow()).total_seconds()
        seconds = max(1, min(seconds, int(until) + 1))
    return seconds


def _with_validators(response: Response, etag: str, state: ContentState) -> Response:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = state.last_modified_http
    response.headers["Cache-Control"] = BROWSER_CACHING
    return response


class FastPath:
    """WSGI middleware answering cache hits and ``If-None-Match`` 304s before Flask builds a
    request: routing, contexts and hooks cost more than the hit itself. Anything it cannot
    answer with certainty (a miss, a state that may have changed, ``If-Modified-Since``)
    goes on to Flask, whose hooks above do the full job."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.tracker: _StateTracker = app.extensions["folio_content_state"]
        self.backend = app.extensions["cache"][cache]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and not self.app.config.get("CACHE_DISABLED"):
            answer = self._answer(environ, method == "HEAD")
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict[str, Any], head: bool) -> tuple[str, list[Any], bytes] | None:
        state = self.tracker.peek()
        if state is None:
            return None
        key, etag = validators(request_identity(environ), state, self.app.config)
        validating = [("ETag", etag), ("Last-Modified", state.last_modified_http),
                      ("Cache-Control", BROWSER_CACHING)]
        if "HTTP_IF_MODIFIED_SINCE" in environ:
            return None  # date comparisons are the slow path's
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted is not None:
            return ("304 NOT MODIFIED", validating, b"") if etag in wanted else None
        stored = self.backend.get(key)
        if stored is None:
            return None
        status, headers, body = stored
        headers = [*headers, *validating, ("X-Cache", "hit"),
                   ("Content-Length", str(len(body)))]
        return f"{status} OK", headers, b"" if head else body


def _release_render_lock(error: BaseException | None) -> None:
    lock = g.pop("cache_lock", None)
    if lock is not None:
        cache.delete(lock)
