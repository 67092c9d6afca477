"""Pages of posts: the home page list and one post (with its old addresses)."""

from app.posts import formats, views
from app.posts.blueprint import bp

__all__ = ["bp", "formats", "views"]  # importing both modules registers their routes
