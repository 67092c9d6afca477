"""The data model: posts and the authors, categories and tags they are filed under, and pages
(rows of ``posts`` whose ``kind`` is "page": they share the import, search and addresses).

Plain SQLAlchemy 2.0 (no Flask), so the content importer can use it outside a request.
Every column that a page filters or sorts by carries an index; migrations are generated from here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, on SQLite too.

    SQLite has no time zone type and would hand back naive values; PostgreSQL stores
    ``timestamptz``. Naive values are refused: a time without a zone is a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # Tags keep the order the author wrote them in.
    Column("position", Integer, nullable=False, default=0),
    # The primary key serves "tags of a post"; this serves "posts with a tag".
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)

# Up to a handful of related posts per post, best first, computed by each import (ranking by
# shared tags and category is too costly per request). Pages filter out the ones not yet public.
related_posts = Table(
    "related_posts",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("related_id", ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True),
)


# Everyone who wrote a post, in the order its file names them; the first is also
# ``Post.author`` (bylines, the API's author). A post written by one person has one row.
post_authors = Table(
    "post_authors",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("author_id", ForeignKey("authors.id"), nullable=False, index=True),
)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    posts: Mapped[list[Post]] = relationship(back_populates="author")

    def __repr__(self) -> str:
        return f"<Author {self.slug}>"


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    posts: Mapped[list[Post]] = relationship(back_populates="category")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    posts: Mapped[list[Post]] = relationship(secondary=post_tags, back_populates="tags")

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # Every public listing keeps posts (not pages), filters drafts out and sorts by date.
        # The index covers what the listings of every post read (the rule's columns, the
        # sitemap's and the archive's): a row holds the source and HTML (25 KB on average),
        # and on SQLite a column stored after them is read through the row's overflow pages,
        # which made the sitemap of 10,000 posts read 300 MB.
        Index("ix_posts_listed", "kind", "draft", "published_at", "expires_at", "updated_at",
              "slug", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity for feeds: survives renames of the slug and of the site's domain.
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Hugo's expiryDate: from this moment the post is gone from the site, as a scheduled one
    # appears at its published_at.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reading_minutes: Mapped[int] = mapped_column(Integer)
    image: Mapped[str | None] = mapped_column(String(1000))
    image_alt: Mapped[str | None] = mapped_column(String(1000))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # Table of contents as nested {"id", "name", "level", "children"} entries.
    toc: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    source_path: Mapped[str] = mapped_column(String(1000), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The file as the last import saw it (planning.source_stamp): equal next time, the file is
    # unchanged without being read. None: read it (it was written moments before that import).
    source_stamp: Mapped[str | None] = mapped_column(String(100))
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    # Frontmatter keys we do not model, kept for themes and future features.
    extra: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "post", or "page": a page is served at its path and appears in no list or feed.
    kind: Mapped[str] = mapped_column(String(10), default="post", server_default="post")
    # A page's address ("/about"); None for a post, which is at /posts/<slug>. A unique
    # index rather than a constraint: SQLite adds one without rebuilding the table.
    path: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    # A page in the site menu: its menu ("main") and place there (smaller first).
    menu: Mapped[str | None] = mapped_column(String(20))
    menu_weight: Mapped[int | None] = mapped_column(Integer)
    # The frontmatter image's variants when it is a file of the site's (app.content.media
    # .Picture.as_dict): its size and srcsets, for the hero, the cards and link previews.
    image_media: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)

    author: Mapped[Author] = relationship(back_populates="posts")
    authors: Mapped[list[Author]] = relationship(
        secondary=post_authors, order_by=post_authors.c.position, viewonly=True
    )
    category: Mapped[Category | None] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, back_populates="posts", order_by=post_tags.c.position
    )
    aliases: Mapped[list[PostAlias]] = relationship(
        back_populates="post", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Post {self.slug}>"


class PostAlias(Base):
    """An old or alternative slug that redirects to a post: frontmatter ``aliases`` or a rename."""

    __tablename__ = "post_aliases"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # "alias" from frontmatter, or "renamed" when an import changed the post's slug.
    kind: Mapped[str] = mapped_column(String(20))

    post: Mapped[Post] = relationship(back_populates="aliases")


class OldAddress(Base):
    """A path the site's previous engine served (``/2019/05/01/hello.html``, a Hugo alias,
    ``/feeds/all.atom.xml``): it answers 301 to the post's current address, or to
    ``target`` for a site-wide one (a feed, a tag page)."""

    __tablename__ = "old_addresses"

    path: Mapped[str] = mapped_column(String(1000), primary_key=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[str | None] = mapped_column(String(1000))


class RemovedPost(Base):
    """A slug whose post was pruned, so its URL can answer 410 Gone rather than 404."""

    __tablename__ = "removed_posts"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostLink(Base):
    """A link in one post to another, as the import found it: the link graph.

    Pages show a post's public linkers ("Mentioned in"); an import that renames a post rewrites
    the stored HTML of the posts linking to it; ``flask check-links`` reports the broken ones.
    ``target_id`` is None for a link that leads to no post (no such article or address, a
    removed post); ``href`` keeps what the author wrote, to say so and to resolve it again.
    """

    __tablename__ = "post_links"

    source_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                           primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # order in the post
    line: Mapped[int] = mapped_column(Integer)  # of the source file
    href: Mapped[str] = mapped_column(Text)
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    anchor: Mapped[str | None] = mapped_column(Text)  # as written, percent-encoding and all


class LinkCheck(Base):
    """An outside address that answered ``flask check-links --external`` well (directly or
    after redirects), kept so that checks within LINK_CHECK_CACHE_SECONDS do not ask its host
    again. Broken answers are not kept: those are the ones worth asking again."""

    __tablename__ = "link_checks"

    # URLs can be longer than an index entry may be (PostgreSQL's btree): keyed by a digest.
    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[int] = mapped_column(Integer)  # of the final answer
    final_url: Mapped[str | None] = mapped_column(Text)  # where redirects led, if anywhere
    redirect_status: Mapped[int | None] = mapped_column(Integer)  # of the first redirect


class MediaFile(Base):
    """A file served at ``/media/<key>``: an image or download an article references, or one of
    an image's variants (app.content.media).

    Kept in the database, not on a disk: every replica serves a file the moment the import
    that wrote it commits, with no shared volume, and an import killed part-way leaves none
    of its files behind. Keys start with the source file's digest, so a key's bytes never
    change and are cached for a year.
    """

    __tablename__ = "media_files"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "<digest>/<name>"
    digest: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostMedia(Base):
    """A file a post references, as the import read it: ``--prune`` keeps the media files some
    post still references, and a changed file (its stamp differs) renders the post again."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    source: Mapped[str] = mapped_column(String(1000), primary_key=True)  # content-relative
    digest: Mapped[str] = mapped_column(String(64), index=True)
    stamp: Mapped[str | None] = mapped_column(String(100))  # planning.source_stamp's kind


class ImportRun(Base):
    """One applied import: its summary, and (by its id) the content version caches key on."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    source_dir: Mapped[str] = mapped_column(String(1000))
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)


# --- full-text search ----------------------------------------------------------------------

# What a search looks at: title first, then tags, category and excerpt, then the body. English
# stemming on both databases, so "caching" finds "cache" whichever one serves the site.
SEARCH_LANGUAGE = "english"


# The weighted tsvector of a search document, which PostgreSQL stores in a generated column.
SEARCH_VECTOR_SQL = " || ".join(
    f"setweight(to_tsvector('{SEARCH_LANGUAGE}', {column}), '{weight}')"
    for column, weight in (("title", "A"), ("labels", "B"), ("excerpt", "B"), ("body", "C")))

# SQLite's FTS5 index over search_documents; kept in step by triggers, so writing a
# search_documents row (in the import's transaction) is all an import does.
SQLITE_SEARCH_INDEX = "search_index"
SQLITE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE {SQLITE_SEARCH_INDEX} USING fts5(title, labels, excerpt, body, "
    "content='search_documents', content_rowid='post_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    f"INSERT INTO {SQLITE_SEARCH_INDEX}(rowid, title, labels, excerpt, body) "
    "VALUES (new.post_id, new.title, new.labels, new.excerpt, new.body); END",
    f"CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    f"INSERT INTO {SQLITE_SEARCH_INDEX}({SQLITE_SEARCH_INDEX}, rowid, title, labels, excerpt, "
    "body) VALUES ('delete', old.post_id, old.title, old.labels, old.excerpt, old.body); END",
    f"CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    f"INSERT INTO {SQLITE_SEARCH_INDEX}({SQLITE_SEARCH_INDEX}, rowid, title, labels, excerpt, "
    "body) VALUES ('delete', old.post_id, old.title, old.labels, old.excerpt, old.body); "
    f"INSERT INTO {SQLITE_SEARCH_INDEX}(rowid, title, labels, excerpt, body) "
    "VALUES (new.post_id, new.title, new.labels, new.excerpt, new.body); END",
)
# PostgreSQL keeps each document's vector in a column of its own, computed on write, so
# ranking reads it rather than parsing every matching body again; a GIN index covers it.
# Declared as DDL, like FTS5 above: SQLite has no such column.
SEARCH_VECTOR_COLUMN = "vector"
SEARCH_VECTOR_INDEX = "ix_search_documents_vector"
POSTGRES_SEARCH_DDL = (
    f"ALTER TABLE search_documents ADD COLUMN {SEARCH_VECTOR_COLUMN} tsvector "
    f"GENERATED ALWAYS AS ({SEARCH_VECTOR_SQL}) STORED",
    f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON search_documents USING gin ({SEARCH_VECTOR_COLUMN})",
)


class SearchDocument(Base):
    """A post's searchable text, written by the import in the same transaction as the post.

    PostgreSQL adds a generated, GIN-indexed weighted ``tsvector`` column; SQLite an FTS5
    table fed by triggers. ``app.search`` queries whichever the database has.
    """

    __tablename__ = "search_documents"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    labels: Mapped[str] = mapped_column(Text)  # tag and category names
    excerpt: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # the rendered post as plain text


for _statement in SQLITE_SEARCH_DDL:
    event.listen(SearchDocument.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
for _statement in POSTGRES_SEARCH_DDL:
    event.listen(SearchDocument.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]
event.listen(SearchDocument.__table__, "before_drop",
             DDL(f"DROP TABLE IF EXISTS {SQLITE_SEARCH_INDEX}").execute_if(  # type: ignore[no-untyped-call]
                 dialect="sqlite"))


def managed_by_migrations(obj: Any, name: str | None, type_: str, reflected: bool,
                          compare_to: Any) -> bool:
    """Alembic's autogenerate filter: FTS5's tables and PostgreSQL's search vector column and
    its index are written by hand in the migrations, and the models do not declare them."""
    if type_ == "table" and name is not None and name.startswith(SQLITE_SEARCH_INDEX):
        return False
    if type_ == "column" and name == SEARCH_VECTOR_COLUMN \
            and obj.table.name == SearchDocument.__tablename__:
        return False
    return not (type_ == "index" and name == SEARCH_VECTOR_INDEX)
