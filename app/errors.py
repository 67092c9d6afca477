"""One story for errors: an HTML page in the site's look, the session rolled back on a 500."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("errors/error.html", error=error), error.code or 500

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[str, int]:
        db.session.rollback()
        original = getattr(error, "original_exception", None)
        app.logger.error("unhandled error", exc_info=original or error)
        return render_template("errors/error.html", error=error), 500
