"""Author pages: every author with a post count, and each author's posts."""

from app.authors.views import bp

__all__ = ["bp"]
