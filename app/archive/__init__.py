"""The archive: every public post, grouped by year and month."""

from app.archive.views import bp

__all__ = ["bp"]
