"""Search: the ``/search`` page, its feed, the OpenSearch description, and ``search_posts``,
the one entry point (pages and the JSON API) to the database's full-text engine."""

from app.search.service import newest_matching, search_posts
from app.search.views import bp

__all__ = ["bp", "newest_matching", "search_posts"]
