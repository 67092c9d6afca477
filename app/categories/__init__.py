"""Category pages: every category with its post count, and each category's posts."""

from app.categories.views import bp

__all__ = ["bp"]
