"""Cache hits and ``If-None-Match`` 304s answered before Flask builds a request."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.caching.encodings import accepted, choose, coded_etag
from app.caching.requests import (
    entry_parts,
    matching_etag,
    page_cache_control,
    request_identity,
    validator_headers,
    validators,
)
from app.caching.store import PageStore
from app.caching.tracker import StateTracker


class FastPath:
    """WSGI middleware answering cache hits and ``If-None-Match`` 304s before Flask builds a
    request: routing, contexts and hooks cost more than the hit itself. Anything it cannot
    answer with certainty (a miss, a state that may have changed, ``If-Modified-Since``)
    goes on to Flask, whose hooks (``app.caching.requests``) do the full job."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.tracker: StateTracker = app.extensions["folio_content_state"]
        self.store: PageStore = app.extensions["folio_page_store"]

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
        if "HTTP_IF_MODIFIED_SINCE" in environ:
            return None  # date comparisons are the slow path's
        allowed = accepted(environ.get("HTTP_ACCEPT_ENCODING"))
        matched = matching_etag(environ.get("HTTP_IF_NONE_MATCH"), etag, allowed)
        control = page_cache_control(self.app.config)
        if matched:
            return "304 NOT MODIFIED", validator_headers(matched, state, control), b""
        stored = self.store.get(key)
        if stored is None:
            return None
        status, headers, body, forms = entry_parts(stored)
        coding = choose(forms, allowed)
        if coding:
            body = forms[coding]
            headers = [*headers, ("Content-Encoding", coding)]
        headers = [*headers, *validator_headers(coded_etag(etag, coding), state, control),
                   ("X-Cache", "hit"), ("Content-Length", str(len(body)))]
        return f"{status} OK", headers, b"" if head else body
