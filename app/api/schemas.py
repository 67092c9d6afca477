"""What the API accepts and answers, as marshmallow schemas: webargs validates query strings
with them, views dump posts through them, and the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from app.api.fields import ContentUrl, Count, Moment, PageUrl, PostHtml, Slug
from app.models import Post
from app.routing import MAX_NUMBER

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
# The site's bound on page numbers (app.routing): the offset never overflows a database integer.
MAX_PAGE = MAX_NUMBER


class PostQuery(Schema):
    """The query parameters of ``GET /api/v1/posts``; unknown ones are ignored."""

    q = fields.String(validate=validate.Length(min=1), metadata={
        "description": "Search words (and \"quoted phrases\") to find in titles, excerpts, "
                       "bodies, tags and categories: results come most relevant first, each "
                       "with a snippet. Combines with tag and category, not with author or "
                       "the dates (400)."})
    tag = Slug(metadata={"description": "Only posts with this tag (its slug)."})
    category = Slug(metadata={"description": "Only posts in this category (its slug)."})
    author = Slug(metadata={"description": "Only posts by this author (their slug)."})
    published_after = Moment(metadata={
        "description": "Only posts published at or after this moment: an ISO 8601 date "
                       "(midnight UTC) or date and time (UTC when it has no offset)."})
    published_before = Moment(metadata={
        "description": "Only posts published strictly before this moment (same forms as "
                       "published_after), so consecutive ranges never overlap."})
    page = Count(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                 metadata={"description": "Which page; past the last one is a 404."})
    per_page = Count(load_default=DEFAULT_PER_PAGE,
                     validate=validate.Range(min=1, max=MAX_PER_PAGE),
                     metadata={"description": "Posts per page."})


def _named(label: str, endpoint: str, what: str) -> type[Schema]:
    """A tag, category or author as a post carries it."""
    return Schema.from_dict({
        "name": fields.String(required=True),
        "slug": fields.String(required=True),
        "url": PageUrl(endpoint, required=True,
                       metadata={"description": f"The {what}'s page on the site."}),
    }, name=label)


AuthorRef = _named("AuthorRef", "authors.detail", "author")
CategoryRef = _named("CategoryRef", "categories.detail", "category")
TagRef = _named("TagRef", "tags.detail", "tag")


class PostSummary(Schema):
    """A post as lists show it: everything but its body."""

    title = fields.String(required=True)
    slug = fields.String(required=True)
    url = PageUrl("posts.detail", required=True,
                  metadata={"description": "The post's page on the site."})
    author = fields.Nested(AuthorRef, required=True)
    category = fields.Nested(CategoryRef, required=True, allow_none=True)
    tags = fields.List(fields.Nested(TagRef), required=True,
                       metadata={"description": "In the order the author wrote them."})
    published_at = fields.DateTime(format="iso", required=True)
    updated_at = fields.DateTime(format="iso", required=True, allow_none=True)
    reading_minutes = fields.Integer(required=True)
    image = ContentUrl(required=True, metadata={"description": "The hero image, absolute."})
    image_alt = fields.String(required=True, allow_none=True)
    excerpt = fields.String(required=True, metadata={"description": "Plain text."})


class SearchResult(PostSummary):
    snippet = fields.String(metadata={
        "description": "Only when searching (q): the matching passage, safe HTML with "
                       "<mark> around the matches."})


class TocEntry(Schema):
    id = fields.String(required=True, metadata={"description": "The heading's anchor."})
    name = fields.String(required=True, metadata={"description": "The heading, plain text."})
    level = fields.Integer(required=True)
    children = fields.List(fields.Nested(lambda: TocEntry()), required=True)


class PostDetail(PostSummary):
    """A post in full."""

    html = PostHtml(required=True, metadata={
        "description": "The rendered, sanitised body, with links and images made absolute."})
    source = fields.String(required=True, metadata={
        "description": "The Markdown file as the author wrote it, frontmatter included."})
    toc = fields.List(fields.Nested(TocEntry), required=True, metadata={
        "description": "The table of contents (h2 to h4, nested); empty when the author "
                       "turned it off."})


class PageSummary(Schema):
    """A page (an about page, a colophon) as the list of pages shows it."""

    title = fields.String(required=True)
    slug = fields.String(required=True)
    url = PageUrl("pages.detail", "address", attribute="path", required=True,
                  metadata={"description": "The page on the site: /<slug>, or its own url."})
    excerpt = fields.String(required=True, metadata={"description": "Plain text."})
    updated_at = fields.DateTime(format="iso", required=True, allow_none=True)
    menu = fields.String(required=True, allow_none=True, metadata={
        "description": "The menu the page is in (\"main\"), or null."})
    weight = fields.Integer(required=True, allow_none=True, attribute="menu_weight", metadata={
        "description": "Its place in the menu: smaller first."})


class PageDetail(PageSummary):
    """A page in full."""

    html = PostHtml(required=True, metadata={
        "description": "The rendered, sanitised body, with links and images made absolute."})
    source = fields.String(required=True, metadata={
        "description": "The Markdown file as the author wrote it, frontmatter included."})
    toc = fields.List(fields.Nested(TocEntry), required=True, metadata={
        "description": "The table of contents (h2 to h4, nested)."})


class PageIndex(Schema):
    items = fields.List(fields.Nested(PageSummary), required=True, metadata={
        "description": "Every published page, in menu order, then by title."})
    total = fields.Integer(required=True)


class PageLinks(Schema):
    self = fields.String(required=True, metadata={"format": "uri"})
    first = fields.String(required=True, metadata={"format": "uri"})
    prev = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    next = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    last = fields.String(required=True, metadata={"format": "uri"})


class PostPage(Schema):
    """One page of posts, newest first (by relevance when searching)."""

    items = fields.List(fields.Nested(SearchResult), required=True)
    total = fields.Integer(required=True, metadata={"description": "Posts on all pages."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True, metadata={
        "description": "How many pages there are; at least 1, even when there are no posts."})
    links = fields.Nested(PageLinks, required=True, metadata={
        "description": "Absolute URLs of this page and its neighbours; prev and next are null "
                       "at either end."})


def _counted(label: str, endpoint: str, what: str, argument: str) -> type[Schema]:
    """A tag, category or author in its index, with its number of public posts."""
    return Schema.from_dict({
        "name": fields.String(required=True, attribute="item.name"),
        "slug": fields.String(required=True, attribute="item.slug"),
        "posts": fields.Integer(required=True, attribute="count", metadata={
            "description": f"How many published posts the {what} has (at least 1)."}),
        "url": PageUrl(endpoint, required=True, attribute="item.slug",
                       metadata={"description": f"The {what}'s page on the site."}),
        "posts_url": PageUrl("api.posts", argument, required=True, attribute="item.slug",
                             metadata={"description": "Its posts, through this API."}),
    }, name=label)


def _index(label: str, item: type[Schema], what: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True, metadata={
            "description": f"Every {what} with published posts, the most used first."}),
        "total": fields.Integer(required=True),
    }, name=label)


TagIndex = _index("TagIndex", _counted("CountedTag", "tags.detail", "tag", "tag"), "tag")
CategoryIndex = _index("CategoryIndex", _counted(
    "CountedCategory", "categories.detail", "category", "category"), "category")
AuthorIndex = _index("AuthorIndex", _counted(
    "CountedAuthor", "authors.detail", "author", "author"), "author")


def post_document(post: Post) -> dict[str, Any]:
    """A post in full, as ``GET /api/v1/posts/<slug>`` and ``/posts/<slug>.json`` answer it."""
    document: dict[str, Any] = PostDetail().dump(post)
    return document
