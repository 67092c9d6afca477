"""The one place that says what readers can see and how it is fetched.

A post is public when it is not a draft and its publication time has come: scheduled posts
appear by themselves, with no re-import.
"""

from __future__ import annotations

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import defer, joinedload, selectinload

from app.extensions import db
from app.models import Post, utcnow


def public_posts(now: datetime | None = None) -> Select[Post]:
    """Published posts, newest first."""
    moment = now or utcnow()
    return (
        select(Post)
        .where(Post.draft.is_(False), Post.published_at <= moment)
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def latest_posts(page: int, per_page: int) -> Pagination:
    """A page of post summaries: the heavy columns stay in the database."""
    statement = public_posts().options(
        defer(Post.source), defer(Post.html), defer(Post.toc), defer(Post.extra),
        joinedload(Post.author), joinedload(Post.category), selectinload(Post.tags),
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=True)


def public_post(slug: str) -> Post | None:
    statement = (
        public_posts()
        .where(Post.slug == slug)
        .options(joinedload(Post.author), joinedload(Post.category), selectinload(Post.tags))
    )
    return db.session.scalars(statement).first()
