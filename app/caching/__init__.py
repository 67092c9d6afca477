"""Whole-response caching and conditional requests that are never stale.

Every cacheable GET is keyed on the *content state* (``state``): the id of the last import
that changed something and the publication time of the newest public post. An import changes
the first; a scheduled post going live changes the second, with no import and no timer. So a
reader never gets a page from before the last import, on any worker, and a hit costs a file
``stat`` or one Redis call. Responses carry an ``ETag`` and ``Last-Modified`` from the same
state, so a conditional request is answered ``304`` before any view runs.

* ``state``: the content state; ``tracker``: how each process knows its copy is current;
  ``mirrors``: where processes tell each other it changed (Redis, or a file beside SQLite);
* ``requests``: the Flask hooks that answer from the cache and store what views made;
* ``fastpath``: WSGI middleware answering hits and 304s before Flask;
* ``store`` and ``redis_guard``: the page store, and Redis as an optimisation that may fail;
  ``shared``: without Redis, the folder where the workers of one server share their pages.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_caching import Cache

from app.caching import redis_guard, requests, shared
from app.caching.fastpath import FastPath
from app.caching.mirrors import FileMirror, Mirror, RedisMirror, version_file
from app.caching.state import ContentState
from app.caching.store import PageStore
from app.caching.tracker import StateTracker

__all__ = ["ContentState", "FastPath", "cache", "current_state", "init_app",
           "publish_content_version"]

cache = Cache()
STATE_KEY = "content-state"  # in Redis, after CACHE_KEY_PREFIX


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    client, guard = None, None
    if redis_url:
        client = redis_guard.connect(redis_url)
        guard = redis_guard.RedisGuard(redis_guard.describe(redis_url),
                                       float(app.config["REDIS_RETRY_SECONDS"]))
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_HOST", client)  # one client, our timeouts
    elif "CACHE_TYPE" not in app.config:
        # The workers of one server share a folder of pages (shared.py), or, where none can
        # be made, each caches for itself.
        folder = shared.make_folder()
        if folder is not None:
            app.config.update(CACHE_TYPE=shared.BACKEND, CACHE_DIR=str(folder))
        else:
            app.config["CACHE_TYPE"] = "SimpleCache"
    app.config.setdefault("CACHE_THRESHOLD", app.config["CACHE_MAX_ENTRIES"])
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config["CACHE_SECONDS"])
    cache.init_app(app)
    in_process = app.config["CACHE_TYPE"] in ("SimpleCache", "NullCache")
    app.extensions["folio_page_store"] = PageStore(
        app.extensions["cache"][cache], guard, int(app.config["CACHE_MAX_ENTRIES"]),
        int(app.config["CACHE_SECONDS"]), near=not in_process)
    tracker = StateTracker(mirrors(app, client, guard),
                           float(app.config["VERSION_CHECK_SECONDS"]))
    if guard is not None:
        guard.on_recovery(tracker.check_soon)  # imports made meanwhile did not reach Redis
    app.extensions["folio_content_state"] = tracker
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    requests.install(app)


def mirrors(app: Flask, client: object, guard: redis_guard.RedisGuard | None) -> list[Mirror]:
    """Redis first (the one read) when configured, and the file beside an SQLite database."""
    found: list[Mirror] = []
    if client is not None and guard is not None:
        found.append(RedisMirror(client, guard, app.config["CACHE_KEY_PREFIX"] + STATE_KEY))
    path = version_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if path is not None:
        found.append(FileMirror(path))
    return found


def publish_content_version(app: Flask) -> None:
    """Tell every process that the content changed: the database's content state into the
    mirrors. Call after an import has committed; safe after any import, changed or not (it
    repairs a mirror that an import killed before this call left behind). Needs an app
    context."""
    tracker: StateTracker = app.extensions["folio_content_state"]
    tracker.publish()


def current_state() -> ContentState:
    tracker: StateTracker = current_app.extensions["folio_content_state"]
    return tracker.state()
