"""Tag pages: every tag with its post count, and each tag's posts."""

from flask import Blueprint

bp = Blueprint("tags", __name__, url_prefix="/tags")

from app.tags import views  # noqa: E402,F401  (routes register on import)
