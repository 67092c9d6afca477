"""One story for errors: an HTML page in the site's look, or under ``/api/`` the API's JSON
error shape (``app.api.errors``); the session rolled back on a 500."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error_response(error)
        # Keep what the exception says besides its body: Allow on a 405, Retry-After on a 503.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

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
