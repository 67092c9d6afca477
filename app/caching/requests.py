"""The request cycle: answer from the cache (or 304) before a view runs, store what it made.

A miss on a cold cache renders once: the first request takes a short lock (``add``, atomic
in Redis and within a process) and the others wait for its result instead of rendering too.
What is stored is compressed then, once (``encodings``): an entry is ``(status, headers,
body, {coding: bytes})``, and each request is answered in the coding it accepts, with that
coding's own ETag.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any, Literal

from flask import Flask, Response, current_app, g, request
from werkzeug.http import parse_etags, unquote_etag

from app.caching.encodings import PREFERRED, accepted, choose, coded_etag, compressed_forms
from app.caching.state import ContentState
from app.caching.store import PageStore
from app.caching.tracker import StateTracker
from app.models import utcnow

# Media files have their own immutable caching (app.media), and would crowd out the pages.
UNCACHED_ENDPOINTS = frozenset({"static", "health.healthz", "health.readyz", "media.file",
                                "assets.file"})
# Settings that change what a page looks like; part of every key, so a new value in one
# process never serves a page rendered with the old one.
KEY_SETTINGS = ("SITE_URL", "SITE_NAME", "SITE_DESCRIPTION", "SITE_LANGUAGE", "BLOG_TIMEZONE",
                "POSTS_PER_PAGE", "FEED_SIZE", "FOLIO_ENV", "MENU", "THEME_FINGERPRINT",
                "ASSETS_FINGERPRINT")
WAIT_FOR_OTHER_RENDER = 2.0  # seconds a request waits for an identical render in progress
LOCK_SECONDS = 10
# Browsers and proxies keep a copy but ask each time: the answer is usually a cheap 304, and
# never a page from before the last import.
BROWSER_CACHING = "public, no-cache"
# Headers that belong to one exchange, not to the stored representation.
_NOT_STORED = frozenset({"date", "set-cookie", "content-length", "x-cache", "x-request-id"})


def install(app: Flask) -> None:
    app.before_request(_answer_from_cache)
    app.after_request(_store_in_cache)
    app.teardown_request(_release_render_lock)


def _tracker() -> StateTracker:
    return current_app.extensions["folio_content_state"]  # type: ignore[no-any-return]


def _store() -> PageStore:
    return current_app.extensions["folio_page_store"]  # type: ignore[no-any-return]


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


def none_match(header: str | None, etag: str) -> bool | None:
    """Whether an ``If-None-Match`` header names ``etag`` (quoted, as ``validators`` makes
    it), read the one way both paths read it: Werkzeug's parser, the weak comparison a GET
    asks for (``W/"x"`` matches ``"x"``), ``*`` matching anything. None when the header names
    no tag at all (absent, empty or garbage): the dates decide then, as in Werkzeug's
    ``is_resource_modified``."""
    if not header:
        return None  # most requests: no parsing on the fast path
    wanted = parse_etags(header)
    if not wanted:
        return None
    return wanted.contains_weak(unquote_etag(etag)[0])


def matching_etag(header: str | None, etag: str,
                  allowed: frozenset[str]) -> str | Literal[False] | None:
    """Which representation an ``If-None-Match`` header names, of those the client would get:
    the coded ETag of each coding it accepts, and the plain one. The ETag matched (for the
    ``304``), False for none of them, None when the header names no tag (as ``none_match``)."""
    if not header:
        return None
    wanted = parse_etags(header)  # once, however many codings are compared
    if not wanted:
        return None
    candidates = [coded_etag(etag, coding) for coding in PREFERRED if coding in allowed]
    candidates.append(etag)
    return next((candidate for candidate in candidates
                 if wanted.contains_weak(unquote_etag(candidate)[0])), False)


def entry_parts(stored: Any) -> tuple[int, list[tuple[str, str]], bytes, dict[str, bytes]]:
    """A stored entry's status, headers, body and compressed forms (none in an entry stored
    before they were: Redis outlives a deploy)."""
    if len(stored) == 3:
        status, headers, body = stored
        return status, headers, body, {}
    status, headers, body, forms = stored
    return status, headers, body, forms


def page_cache_control(config: Any) -> str:
    """What a cached page tells caches: browsers revalidate each time; with ``CDN_MAX_AGE``, a
    CDN or proxy in front (shared caches: ``s-maxage``) keeps it that long, and serves it
    stale a little longer while it fetches the new one. Only pages the cache stores get it:
    never an error, a redirect or a response setting a cookie."""
    seconds = int(config["CDN_MAX_AGE"])
    if seconds <= 0:
        return BROWSER_CACHING
    return (f"public, max-age=0, s-maxage={seconds}, "
            f"stale-while-revalidate={int(config['CDN_STALE_SECONDS'])}")


def validator_headers(etag: str, state: ContentState,
                      cache_control: str = BROWSER_CACHING) -> list[tuple[str, str]]:
    return [("ETag", etag), ("Last-Modified", state.last_modified_http),
            ("Cache-Control", cache_control), ("Vary", "Accept-Encoding")]


def _answer_from_cache() -> Response | None:
    if not _cacheable():
        return None
    state = _tracker().state()
    key, etag = validators(request_identity(request.environ), state, current_app.config)
    g.cache_key, g.etag, g.content_state = key, etag, state
    g.codings = accepted(request.environ.get("HTTP_ACCEPT_ENCODING"))
    matched = _not_modified(etag, state)
    if matched:
        return _with_validators(Response(status=304), matched, state, shared=True)
    store = _store()
    stored = store.get(key)
    if stored is None and not store.add(f"lock:{key}", 1, timeout=LOCK_SECONDS):
        stored = _wait_for(store, key)  # someone else is rendering this very page
    elif stored is None:
        g.cache_lock = f"lock:{key}"
    if stored is None:
        return None
    status, headers, body, forms = entry_parts(stored)
    coding = choose(forms, g.codings)
    response = Response(forms[coding] if coding else body, status=status, headers=headers)
    if coding:
        response.headers["Content-Encoding"] = coding
    response.headers["X-Cache"] = "hit"
    g.cache_hit = True
    return _with_validators(response, coded_etag(etag, coding), state, shared=True)


def _not_modified(etag: str, state: ContentState) -> str | Literal[False]:
    """The ETag to answer ``304`` with, or False to answer in full."""
    matched = matching_etag(request.environ.get("HTTP_IF_NONE_MATCH"), etag, g.codings)
    if matched is not None:
        return matched
    since = request.if_modified_since
    if since is not None and int(state.last_modified.timestamp()) <= since.timestamp():
        return etag  # a date names no coding; every coding's tag matches the plain one
    return False


def _wait_for(store: PageStore, key: str) -> Any:
    """The page another request is rendering, once stored; None as soon as that request has
    finished without storing one (a 404, a redirect: only 200s are kept), or at the deadline."""
    deadline = time.monotonic() + WAIT_FOR_OTHER_RENDER
    while time.monotonic() < deadline:
        time.sleep(0.01)
        stored = store.get(key)
        if stored is not None:
            return stored
        if store.get(f"lock:{key}") is None:
            return store.get(key)  # stored just before the lock was let go, or nothing
    return None


def _store_in_cache(response: Response) -> Response:
    key = g.get("cache_key")
    if key is None or g.get("cache_hit") or response.status_code == 304:
        return response
    state: ContentState = g.content_state
    coding = None
    if response.status_code == 200 and not response.is_streamed \
            and "Set-Cookie" not in response.headers:
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in _NOT_STORED]
        body = response.get_data()
        forms = compressed_forms(body, response.mimetype)
        _store().set(key, (200, headers, body, forms), timeout=_lifetime(state))
        response.headers["X-Cache"] = "miss"
        coding = choose(forms, g.codings)
        if coding:  # this request too gets the coding it asked for
            response.set_data(forms[coding])
            response.headers["Content-Encoding"] = coding
        _with_validators(response, coded_etag(g.etag, coding), state, shared=True)
    elif response.status_code == 200:
        _with_validators(response, coded_etag(g.etag, coding), state)
    return response


def _lifetime(state: ContentState) -> int:
    """Seconds a page may stay cached: the configured time, but never past the next scheduled
    publication (the key changes then anyway; this frees the memory)."""
    seconds = int(current_app.config["CACHE_SECONDS"])
    if state.next_publication is not None:
        until = (state.next_publication - utcnow()).total_seconds()
        seconds = max(1, min(seconds, int(until) + 1))
    return seconds


def _with_validators(response: Response, etag: str, state: ContentState, *,
                     shared: bool = False) -> Response:
    """``response`` with its validators; ``shared``: a page the cache keeps, which a CDN may
    keep too (``page_cache_control``)."""
    control = page_cache_control(current_app.config) if shared else BROWSER_CACHING
    for name, value in validator_headers(etag, state, control):
        response.headers[name] = value
    return response


def _release_render_lock(error: BaseException | None) -> None:
    lock = g.pop("cache_lock", None)
    if lock is not None:
        _store().delete(lock)
