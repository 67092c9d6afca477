"""What search engines and link previews read: sitemap, robots.txt and structured data."""

from flask import Blueprint

bp = Blueprint("seo", __name__)

from app.seo import views  # noqa: E402,F401  (routes register on import)
