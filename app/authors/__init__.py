"""Author pages: every author with a post count, and each author's posts."""

from flask import Blueprint

bp = Blueprint("authors", __name__, url_prefix="/authors")

from app.authors import views  # noqa: E402,F401  (routes register on import)
