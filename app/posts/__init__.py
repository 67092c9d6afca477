"""Pages of posts: the home page list and one post (with its old addresses)."""

from flask import Blueprint

bp = Blueprint("posts", __name__)

from app.posts import formats, views  # noqa: E402,F401  (routes register on import)
