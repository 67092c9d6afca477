"""One story for errors: an HTML page in the site's look, or under ``/api/`` the API's JSON
error shape (``app.api.errors``); the session rolled back on a 500."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, Response, make_response, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.wrappers import Response as WerkzeugResponse

from app import database, old_addresses
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
# The errors a 503 answers; app.command_errors turns the same ones into a one-line failure.
DATABASE_UNAVAILABLE = database.UNAVAILABLE
RETRY_AFTER_SECONDS = 5
OUTAGE_LOG_INTERVAL = 10.0  # seconds: one warning, not one per request, while it lasts

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    lookup_log = database.ThrottledWarning(log, "old addresses unreadable, answering 404",
                                           "old_address_lookup_failed", OUTAGE_LOG_INTERVAL)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | WerkzeugResponse:
        if error.code == 404 and not api_errors.is_api_request():
            moved = _old_address(lookup_log)
            if moved is not None:
                return moved
        response = error_response(error)
        # Keep what the exception says besides its body: Allow on a 405, Retry-After on a 503.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    outage_log = database.ThrottledWarning(log, "database unavailable, answering 503",
                                           "database_unavailable", OUTAGE_LOG_INTERVAL)

    def database_unavailable(error: Exception) -> Response | WerkzeugResponse:
        roll_back()
        outage_log.warning(error)
        return http_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> Response:
        roll_back()
        original = getattr(error, "original_exception", None)
        app.logger.error("unhandled error", exc_info=original or error)
        return error_response(error)


def _old_address(lookup_log: database.ThrottledWarning) -> WerkzeugResponse | None:
    """The 301 to where the old site's address leads now, if it is one. The lookup is a
    courtesy to a 404, never its failure: a database that cannot answer it (gone, or not yet
    migrated) leaves the 404 a 404, not a 500."""
    try:
        return old_addresses.redirect_for(request)
    except SQLAlchemyError as exc:
        roll_back()
        lookup_log.warning(exc)
        return None


def roll_back() -> None:
    """Undo the failed request's transaction. The connection may be dead (the database went
    away mid-request); the pool has then discarded it, and an exception raised here, inside an
    error handler, would become the server's bare 500 instead of this page."""
    with contextlib.suppress(*DATABASE_UNAVAILABLE):
        db.session.rollback()


def error_response(error: HTTPException) -> Response:
    if api_errors.is_api_request():
        return api_errors.error_response(error)
    return make_response(error_page(error), error.code or 500)


def error_page(error: HTTPException) -> str:
    headline, explanation = MESSAGES.get(error.code or 500,
                                         (error.name, error.description or ""))
    return render_template("errors/error.html", error=error, headline=headline,
                           explanation=explanation)
