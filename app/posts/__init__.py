"""Pages of posts: the home page list and one post."""

from flask import Blueprint

bp = Blueprint("posts", __name__)

from app.posts import views  # noqa: E402,F401  (routes register on import)
