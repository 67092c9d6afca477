"""Keeping the ``related_posts`` table in step with the posts, inside the import's transaction.

The ranking itself is :mod:`app.content.related`; this module reads what it needs from the
database and rewrites only the posts whose list changed, so a small edit stays a small write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.content.pages import POST
from app.content.related import DEFAULT_LIMIT, Candidate, related_posts
from app.models import Post, post_tags
from app.models import related_posts as related_table

T = TypeVar("T")

# Bound IN lists and executemany batches: SQLite caps bound parameters per statement.
_CHUNK = 500


def refresh_related(session: Session, limit: int = DEFAULT_LIMIT) -> int:
    """Recompute every post's related posts; returns how many posts' lists changed.

    Drafts and pages are left out (they have none and are nobody's); scheduled posts are
    ranked like the rest and filtered out by the pages until they are published.
    """
    ranking = related_posts(_candidates(session), limit)
    stored = _stored(session)
    changed = [post_id for post_id in ranking.keys() | stored.keys()
               if ranking.get(post_id, []) != stored.get(post_id, [])]
    for ids in _chunks(sorted(changed)):
        session.execute(delete(related_table).where(related_table.c.post_id.in_(ids)))
    rows = [{"post_id": post_id, "position": position, "related_id": related_id}
            for post_id in changed for position, related_id in enumerate(ranking.get(post_id, []))]
    for batch in _chunks(rows):
        session.execute(insert(related_table), batch)
    return len(changed)


def _candidates(session: Session) -> list[Candidate]:
    tags: dict[int, list[int]] = defaultdict(list)
    links = select(post_tags.c.post_id, post_tags.c.tag_id).order_by(
        post_tags.c.post_id, post_tags.c.position)
    for post_id, tag_id in session.execute(links):
        tags[post_id].append(tag_id)
    posts = select(Post.id, Post.published_at, Post.category_id).where(
        Post.draft.is_(False), Post.kind == POST)
    return [Candidate(post_id, published_at, category_id, tuple(tags.get(post_id, ())))
            for post_id, published_at, category_id in session.execute(posts)]


def _stored(session: Session) -> dict[int, list[int]]:
    stored: dict[int, list[int]] = defaultdict(list)
    rows = select(related_table.c.post_id, related_table.c.related_id).order_by(
        related_table.c.post_id, related_table.c.position)
    for post_id, related_id in session.execute(rows):
        stored[post_id].append(related_id)
    return stored


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk
