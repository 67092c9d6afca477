"""The archive: every public post, grouped by year and month."""

from flask import Blueprint

bp = Blueprint("archive", __name__, url_prefix="/archive")

from app.archive import views  # noqa: E402,F401  (routes register on import)
