"""Whole-response caching and conditional requests that are never stale.

Every cacheable GET is keyed on the *content state* (``state``): the id of the last import
that changed something and the publication time of the newest public post. An import changes
the first; a scheduled post going live changes the second, with no import and no timer. So a
reader never gets a page from before the last import, on any worker, and a hit costs a file
``stat`` or one Redis ``GET``. Responses carry an ``ETag`` and ``Last-Modified`` from the same
state, so a conditional request is answered ``304`` before any view runs.

* ``state``: the content state and how each process learns it changed;
* ``requests``: the Flask hooks that answer from the cache and store what views made;
* ``fastpath``: WSGI middleware answering hits and 304s before Flask;
* ``store`` and ``redis_guard``: the page store, and Redis as an optimisation that may fail.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_caching import Cache

from app.caching import redis_guard, requests
from app.caching.fastpath import FastPath
from app.caching.state import ContentState, StateTracker, database_version
from app.caching.store import PageStore

__all__ = ["ContentState", "FastPath", "cache", "current_state", "init_app",
           "publish_content_version"]

cache = Cache()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    client, guard = None, None
    if redis_url:
        client = redis_guard.connect(redis_url)
        guard = redis_guard.RedisGuard(redis_guard.describe(redis_url),
                                       float(app.config["REDIS_RETRY_SECONDS"]))
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_HOST", client)  # one client, our timeouts
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_THRESHOLD", app.config["CACHE_MAX_ENTRIES"])
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config["CACHE_SECONDS"])
    cache.init_app(app)
    app.extensions["folio_page_store"] = PageStore(app.extensions["cache"][cache], guard)
    app.extensions["folio_content_state"] = StateTracker(app, client, guard)
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    requests.install(app)


def publish_content_version(app: Flask) -> None:
    """Tell every process that the content changed; call after an import has committed."""
    app.extensions["folio_content_state"].publish(database_version())


def current_state() -> ContentState:
    tracker: StateTracker = current_app.extensions["folio_content_state"]
    return tracker.state()
