"""``search_posts`` and ``newest_matching``: the one entry point (pages and the JSON API) to the
database's full-text engine, narrowed to public posts."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from app import queries
from app.extensions import db
from app.models import Category, Post, Tag, utcnow
from app.search.backends import MARK_END, MARK_START, Filters, backend_for
from app.search.query import parse_query


@dataclass(frozen=True)
class SearchHit:
    post: Post
    snippet: str  # safe HTML: escaped text with <mark> around matched words


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search_posts(query: str, *, tag: str | None = None, category: str | None = None,
                 page: int = 1, per_page: int = 10, pages: bool = False) -> SearchPage:
    """Public posts (and ``pages`` too, if asked) matching every word of ``query``, best
    first. A query with no words, or a tag or category slug that names nothing public, finds
    nothing."""
    terms = parse_query(query)
    filters = _filters(tag, category, pages)
    if not terms or filters is None:
        return SearchPage([], 0, page, per_page)
    backend = backend_for(db.engine.dialect.name)
    total = backend.count(db.session(), terms, filters)
    matches = backend.matches(db.session(), terms, filters, (page - 1) * per_page, per_page)
    posts = queries.cards_by_id([match.post_id for match in matches])
    hits = [SearchHit(posts[m.post_id], marked_snippet(m.snippet)) for m in matches
            if m.post_id in posts]
    return SearchPage(hits, total, page, per_page)


def newest_matching(query: str, limit: int) -> Sequence[Post]:
    """The newest posts matching ``query``, in full, for the search feed (pages are in no
    feed)."""
    terms = parse_query(query)
    filters = _filters(None, None)
    if not terms or filters is None:
        return []
    ids = backend_for(db.engine.dialect.name).newest(db.session(), terms, filters, limit)
    return queries.posts_in_order(ids)


def _filters(tag: str | None, category: str | None, pages: bool = False) -> Filters | None:
    tag_item = queries.filed_item(Tag, tag) if tag else None
    category_item = queries.filed_item(Category, category) if category else None
    if (tag and tag_item is None) or (category and category_item is None):
        return None
    return Filters(utcnow(), tag_item, category_item, pages)  # type: ignore[arg-type]


def marked_snippet(text: str) -> str:
    """Escape a snippet, then turn the engine's markers into ``<mark>``."""
    escaped = html.escape(" ".join(text.split()))
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")

