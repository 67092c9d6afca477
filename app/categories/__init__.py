"""Category pages: every category with its post count, and each category's posts."""

from flask import Blueprint

bp = Blueprint("categories", __name__, url_prefix="/categories")

from app.categories import views  # noqa: E402,F401  (routes register on import)
