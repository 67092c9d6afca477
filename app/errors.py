"""One story for errors: an HTML page in the site's look, or under ``/api/`` the API's JSON
error shape (``app.api.errors``); the session rolled back on a 500."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from flask import Flask, Response, make_response, render_template
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.api import errors as api_errors
from app.extensions import db

# What a reader is told, in plain words; other codes fall back to Werkzeug's wording.
MESSAGES = {
    404: ("Page not found",
          "There is nothing at this address. It may have been mistyped, or the post it points "
          "to is not published."),
    410: ("This post has been removed",
          "The post that lived here was taken down on purpose and will not come back."),
    500: ("Something went wrong on our side",
          "The error has been logged. Please try again in a moment."),
    503: ("The site is briefly unavailable",
          "We cannot reach our database just now. Please try again in a moment."),
}
# The database is down, locked or out of connections: a condition of the moment, not a bug.
# Pools reconnect by themselves (pool_pre_ping), so the next request after it returns works.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
RETRY_AFTER_SECONDS = 5
OUTAGE_LOG_INTERVAL = 10.0  # seconds: one warning, not one per request, while it lasts

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error_response(error)
        # Keep what the exception says besides its body: Allow on a 405, Retry-After on a 503.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    outage_log = _ThrottledLog(OUTAGE_LOG_INTERVAL)

    def database_unavailable(error: Exception) -> Response:
        # The connection may be gone already; the pool has then discarded it.
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            db.session.rollback()
        outage_log.warning(error)
        return http_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> Response:
        db.session.rollback()
        original = getattr(error, "original_exception", None)
        app.logger.error("unhandled error", exc_info=original or error)
        return error_response(error)


def error_response(error: HTTPException) -> Response:
    if api_errors.is_api_request():
        return api_errors.error_response(error)
    return make_response(error_page(error), error.code or 500)


def error_page(error: HTTPException) -> str:
    headline, explanation = MESSAGES.get(error.code or 500,
                                         (error.name, error.description or ""))
    return render_template("errors/error.html", error=error, headline=headline,
                           explanation=explanation)


class _ThrottledLog:
    """Log a recurring failure at most once per interval, with how often it recurred."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.lock = threading.Lock()
        self.last = float("-inf")
        self.suppressed = 0

    def warning(self, error: Exception) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.last < self.interval:
                self.suppressed += 1
                return
            suppressed, self.suppressed, self.last = self.suppressed, 0, now
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.warning("database unavailable, answering 503: %s%s", reason[0] if reason else
                    type(error).__name__,
                    f" ({suppressed} more since the last warning)" if suppressed else "",
                    extra={"event": "database_unavailable"})
