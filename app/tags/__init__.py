"""Tag pages: every tag with its post count, and each tag's posts."""

from app.tags.views import bp

__all__ = ["bp"]
