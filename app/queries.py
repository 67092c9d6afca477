"""The one place that says what readers can see and how it is fetched.

A post is public when it is not a draft and its publication time has come: scheduled posts
appear by themselves, with no re-import. Pages follow the same rule, but only the page itself,
the sitemap, the search and the API's pages show them: they are *listed* nowhere (lists,
feeds, the archive, related posts, previous and next, the counts of tags). Every function here
loads all that its page shows in a fixed number of queries, so templates never touch the
database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, cast

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import defer, joinedload, load_only, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.content.pages import PAGE, POST
from app.extensions import db
from app.models import (
    Author,
    Category,
    MediaFile,
    OldAddress,
    Post,
    PostAlias,
    PostLink,
    RemovedPost,
    Tag,
    post_authors,
    post_tags,
    related_posts,
    utcnow,
)

Taxonomy = type[Tag] | type[Category] | type[Author]
Filed = Tag | Category | Author
# Rows and statements of any columns (SQLAlchemy 2.1 types them variadically).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def is_public(now: datetime) -> ColumnElement[bool]:
    """The rule: a post or page readers can see at ``now`` (published, not yet expired)."""
    return and_(Post.draft.is_(False), Post.published_at <= now,
                or_(Post.expires_at.is_(None), Post.expires_at > now))


def is_listed(now: datetime) -> ColumnElement[bool]:
    """A public post (never a page): what lists, feeds, the archive and counts show."""
    return and_(Post.kind == POST, is_public(now))


def expiring(now: datetime) -> ColumnElement[bool]:
    """A public post or page that will leave the site by itself once its expiry comes."""
    return and_(is_public(now), Post.expires_at.is_not(None))


def is_scheduled(now: datetime) -> ColumnElement[bool]:
    """A post or page that ``is_public`` will take in by itself once its time comes (drafts
    never)."""
    return and_(Post.draft.is_(False), Post.published_at > now)


def public_posts(now: datetime | None = None) -> Select[Post]:
    """Published posts (not pages), newest first."""
    return (
        select(Post)
        .where(is_listed(now or utcnow()))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def _card_options() -> list[LoaderOption]:
    """What a post card shows: the heavy columns stay in the database."""
    return [
        defer(Post.source), defer(Post.html), defer(Post.toc), defer(Post.extra),
        joinedload(Post.author), selectinload(Post.authors), joinedload(Post.category),
        selectinload(Post.tags),
    ]


def _page(statement: Select[Post], page: int, per_page: int) -> Pagination:
    """One page of cards; a page past the last one is a 404 (Flask-SQLAlchemy aborts)."""
    return db.paginate(statement.options(*_card_options()), page=page, per_page=per_page,
                       error_out=True, count=True)


def latest_posts(page: int, per_page: int) -> Pagination:
    return _page(public_posts(), page, per_page)


def posts_filed_under(item: Filed, page: int, per_page: int) -> Pagination:
    return _page(public_posts().where(filed_under(item)), page, per_page)


def filed_under(item: Filed) -> ColumnElement[bool]:
    """Posts filed under a tag, a category or an author."""
    if isinstance(item, Tag):
        return Post.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == item.id))
    if isinstance(item, Category):
        return Post.category_id == item.id
    # Each of a post's authors has it on their page and feed, not only the first.
    return Post.id.in_(select(post_authors.c.post_id).where(post_authors.c.author_id == item.id))


def public_post(slug: str) -> Post | None:
    """A post with all its page shows but the neighbours and related posts."""
    statement = (
        public_posts()
        .where(Post.slug == slug)
        .options(joinedload(Post.author), selectinload(Post.authors), joinedload(Post.category),
                 selectinload(Post.tags))
    )
    return db.session.scalars(statement).first()


@dataclass(frozen=True)
class Neighbours:
    older: AnyRow | None
    newer: AnyRow | None


def neighbours(post: Post) -> Neighbours:
    """The previous and next public posts by date (id, slug and title only)."""
    same_time = Post.published_at == post.published_at
    older = or_(Post.published_at < post.published_at, and_(same_time, Post.id < post.id))
    newer = or_(Post.published_at > post.published_at, and_(same_time, Post.id > post.id))
    columns = select(Post.id, Post.slug, Post.title).where(is_listed(utcnow()))
    return Neighbours(
        older=db.session.execute(columns.where(older).order_by(
            Post.published_at.desc(), Post.id.desc()).limit(1)).first(),
        newer=db.session.execute(columns.where(newer).order_by(
            Post.published_at.asc(), Post.id.asc()).limit(1)).first(),
    )


def related_to(post: Post, limit: int = 3, besides: Neighbours | None = None) -> Sequence[Post]:
    """The import's ranking of related posts, keeping only those public now and leaving out
    the neighbours the page already links to (the import ranks more than a page shows)."""
    shown = [row.id for row in (besides.older, besides.newer) if row is not None] \
        if besides is not None else []
    statement = (
        select(Post)
        .join(related_posts, related_posts.c.related_id == Post.id)
        .where(related_posts.c.post_id == post.id, is_listed(utcnow()), Post.id.not_in(shown))
        .order_by(related_posts.c.position)
        .limit(limit)
        .options(load_only(Post.slug, Post.title, Post.published_at, Post.excerpt,
                           Post.image, Post.image_media, Post.reading_minutes))
    )
    return db.session.scalars(statement).all()


def mentioned_in(post: Post) -> Sequence[AnyRow]:
    """The public posts that link to ``post`` (slug, title, date), newest first: the link
    graph read backwards, in one query."""
    linkers = select(PostLink.source_id).where(PostLink.target_id == post.id,
                                               PostLink.source_id != post.id)
    statement = (
        select(Post.slug, Post.title, Post.published_at)
        .where(Post.id.in_(linkers), is_public(utcnow()))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )
    return db.session.execute(statement).all()


def old_address(paths: Sequence[str]) -> AnyRow | None:
    """Where the first of ``paths`` the old site served leads now: a row of the public post or
    page's slug, kind and address, or of a site-wide ``target`` (its post columns None)."""
    statement = (
        select(OldAddress.path, OldAddress.target, Post.slug, Post.kind, Post.path.label("page"))
        .outerjoin(Post, and_(Post.id == OldAddress.post_id, is_public(utcnow())))
        .where(OldAddress.path.in_(paths))
    )
    rows = {row.path: row for row in db.session.execute(statement)
            if row.target is not None or row.slug is not None}
    return next((rows[path] for path in paths if path in rows), None)


def redirect_slug(old_slug: str) -> str | None:
    """The current slug of the public post that once answered at ``old_slug``."""
    statement = (
        select(Post.slug)
        .join(PostAlias, PostAlias.post_id == Post.id)
        .where(PostAlias.slug == old_slug, is_listed(utcnow()))
    )
    return db.session.scalars(statement).first()


def was_removed(slug: str) -> bool:
    return db.session.get(RemovedPost, slug) is not None


def with_post_counts(model: Taxonomy) -> Sequence[AnyRow]:
    """Every tag, category or author that has public posts, with the number of them,
    the most used first."""
    count = func.count(Post.id).label("count")
    statement = (
        _joined_to_posts(select(model, count).select_from(model), model)
        .where(is_listed(utcnow()))
        .group_by(model.id)
        .order_by(count.desc(), func.lower(model.name), model.slug)
    )
    return db.session.execute(statement).all()


def _joined_to_posts(statement: AnySelect, model: Taxonomy) -> AnySelect:
    if model is Tag:
        return (statement.join(post_tags, post_tags.c.tag_id == Tag.id)
                .join(Post, post_tags.c.post_id == Post.id))
    if model is Author:
        return (statement.join(post_authors, post_authors.c.author_id == Author.id)
                .join(Post, post_authors.c.post_id == Post.id))
    return statement.join(Post, Post.category_id == model.id)


def filed_item(model: Taxonomy, slug: str) -> Filed | None:
    """The tag, category or author with this slug, if it has at least one public post."""
    item = cast(Filed | None, db.session.scalars(select(model).where(model.slug == slug)).first())
    if item is None:
        return None
    has_posts = select(Post.id).where(is_listed(utcnow()), filed_under(item)).exists()
    return item if db.session.scalar(select(has_posts)) else None


def archive_entries() -> Sequence[AnyRow]:
    """Every public post's slug, title and date, newest first: the archive groups them."""
    statement = (
        select(Post.slug, Post.title, Post.published_at)
        .where(is_listed(utcnow()))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )
    return db.session.execute(statement).all()


def cards_by_id(ids: Sequence[int]) -> dict[int, Post]:
    """Posts as cards, by id: search ranks ids, this loads what their cards show."""
    if not ids:
        return {}
    statement = select(Post).where(Post.id.in_(ids)).options(*_card_options())
    return {post.id: post for post in db.session.scalars(statement)}


def posts_in_order(ids: Sequence[int]) -> list[Post]:
    """Posts in full (for a feed) in the order of ``ids``."""
    if not ids:
        return []
    statement = select(Post).where(Post.id.in_(ids)).options(
        defer(Post.source), joinedload(Post.author), selectinload(Post.authors),
        joinedload(Post.category),
        selectinload(Post.tags))
    found = {post.id: post for post in db.session.scalars(statement).unique()}
    return [found[post_id] for post_id in ids if post_id in found]


def feed_posts(limit: int, item: Filed | None = None) -> Sequence[Post]:
    """The newest public posts in full, for a feed of the site or of one tag/category/author."""
    statement = public_posts().limit(limit).options(
        defer(Post.source), joinedload(Post.author), selectinload(Post.authors),
        joinedload(Post.category),
        selectinload(Post.tags))
    if item is not None:
        statement = statement.where(filed_under(item))
    return db.session.scalars(statement).unique().all()


def sitemap_posts(offset: int = 0, limit: int | None = None) -> Sequence[AnyRow]:
    statement = (
        select(Post.slug, func.coalesce(Post.updated_at, Post.published_at).label("lastmod"))
        .where(is_listed(utcnow()))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .offset(offset).limit(limit)
    )
    return db.session.execute(statement).all()


def link_sources(batch: int = 200) -> Iterator[tuple[str, str, str]]:
    """Every post's source path, stored HTML and text as written, a batch at a time: what
    `flask check-links --external` reads its outside links and their lines from."""
    statement = (select(Post.source_path, Post.html, Post.source).order_by(Post.source_path)
                 .execution_options(yield_per=batch))
    yield from db.session.execute(statement)


def public_post_summary() -> tuple[int, datetime | None]:
    """How many posts are public, and when the newest change among them was."""
    lastmod = func.max(func.coalesce(Post.updated_at, Post.published_at))
    count, newest = db.session.execute(
        select(func.count(Post.id), lastmod).where(is_listed(utcnow()))).one()
    return int(count), newest


def sitemap_listings(model: Taxonomy) -> Sequence[AnyRow]:
    """Slug and newest change of every tag, category or author with public posts."""
    lastmod = func.max(func.coalesce(Post.updated_at, Post.published_at)).label("lastmod")
    statement = (
        _joined_to_posts(select(model.slug, lastmod).select_from(model), model)
        .where(is_listed(utcnow()))
        .group_by(model.slug)
        .order_by(model.slug)
    )
    return db.session.execute(statement).all()


# --- pages ---

# Menu order: by weight (pages without one last), then by title.
_MENU_ORDER = (Post.menu_weight.is_(None), Post.menu_weight, Post.title, Post.id)


def _is_public_page(now: datetime) -> ColumnElement[bool]:
    return and_(Post.kind == PAGE, is_public(now))


def public_page(address: str) -> Post | None:
    """The published page answering at ``address`` (``/about``)."""
    statement = select(Post).where(_is_public_page(utcnow()), Post.path == address)
    return db.session.scalars(statement).first()


def public_page_by_slug(slug: str) -> Post | None:
    statement = select(Post).where(_is_public_page(utcnow()), Post.slug == slug)
    return db.session.scalars(statement).first()


def moved_page(old_slug: str) -> AnyRow | None:
    """Slug and address of the public page that once had ``old_slug`` (renamed, or listing it
    among its aliases)."""
    statement = (
        select(Post.slug, Post.path)
        .join(PostAlias, PostAlias.post_id == Post.id)
        .where(PostAlias.slug == old_slug, _is_public_page(utcnow()))
    )
    return db.session.execute(statement).first()


def all_public_pages() -> Sequence[Post]:
    """Every published page in menu order, without its body (the API's list)."""
    statement = (
        select(Post).where(_is_public_page(utcnow())).order_by(*_MENU_ORDER)
        .options(defer(Post.source), defer(Post.html), defer(Post.toc), defer(Post.extra))
    )
    return db.session.scalars(statement).all()


def menu_pages() -> Sequence[AnyRow]:
    """Title, address and weight of the published pages in the main menu, in menu order."""
    statement = (
        select(Post.title, Post.path, Post.menu_weight)
        .where(_is_public_page(utcnow()), Post.menu == "main")
        .order_by(*_MENU_ORDER)
    )
    return db.session.execute(statement).all()


def sitemap_pages() -> Sequence[AnyRow]:
    """Address and last change of every published page."""
    statement = (
        select(Post.path, func.coalesce(Post.updated_at, Post.published_at).label("lastmod"))
        .where(_is_public_page(utcnow()))
        .order_by(Post.path)
    )
    return db.session.execute(statement).all()


# --- the JSON API ---


@dataclass(frozen=True)
class PostFilters:
    """What a client narrows the list of posts by: tags, categories and authors a post must be
    filed under, and a half-open range of publication times, ``[published_after,
    published_before)``."""

    filed_under: tuple[Filed, ...] = ()
    published_after: datetime | None = None
    published_before: datetime | None = None


def filtered_posts(filters: PostFilters, page: int, per_page: int) -> Pagination:
    """One page of public post cards narrowed by ``filters``, newest first. A page past the
    last one comes back empty (the caller says how that is an error)."""
    statement = public_posts()
    for item in filters.filed_under:
        statement = statement.where(filed_under(item))
    if filters.published_after is not None:
        statement = statement.where(Post.published_at >= filters.published_after)
    if filters.published_before is not None:
        statement = statement.where(Post.published_at < filters.published_before)
    return db.paginate(statement.options(*_card_options()), page=page, per_page=per_page,
                       error_out=False, count=True)


def media_file(key: str) -> AnyRow | None:
    """The stored file served at ``/media/<key>``: its type and bytes."""
    statement = select(MediaFile.content_type, MediaFile.data).where(MediaFile.key == key)
    return db.session.execute(statement).first()


def posts_from_files(source_paths: Sequence[str]) -> list[Post]:
    """The posts and pages imported from these files (paths as the importer reports them),
    with what their listings are keyed by: tags, category and authors."""
    if not source_paths:
        return []
    statement = (select(Post).where(Post.source_path.in_(source_paths))
                 .options(selectinload(Post.tags), selectinload(Post.authors),
                          joinedload(Post.category)))
    return list(db.session.scalars(statement).unique())
