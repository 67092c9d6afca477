"""Feeds: Atom, RSS 2.0 and JSON Feed 1.1, for the whole site and for each tag, category and
author."""

from app.feeds.views import bp

__all__ = ["bp"]
