"""Feeds: Atom, RSS 2.0 and JSON Feed 1.1, for the whole site and for each tag, category and
author."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from app.feeds import views  # noqa: E402,F401  (routes register on import)
