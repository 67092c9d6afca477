"""The API's endpoints: published posts (a filtered, paginated list, and one in full), the
indexes of tags, categories and authors, and the site's pages. Views translate HTTP;
``queries`` says what is public.

A filter naming a tag, category or author that has no published post is a 404 naming the
parameter, as ``/tags/<slug>`` is for a reader: an empty list would hide a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import Response, request, url_for

from app import queries
from app.api.blueprint import Blueprint
from app.api.errors import Error, fail
from app.api.schemas import (
    AuthorIndex,
    CategoryIndex,
    PageDetail,
    PageIndex,
    PostDetail,
    PostPage,
    PostQuery,
    TagIndex,
)
from app.models import Author, Category, Post, Tag
from app.search import search_posts
from app.templating import absolute_url

blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="Published posts, the tags, categories and authors they are "
                            "filed under, and the site's pages.")

FILTERS: dict[str, queries.Taxonomy] = {"tag": Tag, "category": Category, "author": Author}
QUERY_PARAMETERS = tuple(PostQuery().fields)
NOT_FOUND_FILTER = ("A tag, category or author that has no published posts (the error names "
                    "the parameter), or a page past the last one.")
BAD_COMBINATION = ("A query parameter that is malformed or out of range, or author or a date "
                   "combined with q; the error names the parameter.")
LINK_HEADER = {"description": "The same links as the body's, as RFC 8288 web links.",
               "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "The post's current address in this API.", "required": True,
                   "schema": {"type": "string"}}


@blp.route("/posts")
@blp.arguments(PostQuery, location="query")
@blp.response(200, PostPage, headers={"Link": LINK_HEADER})
@blp.alt_response(400, schema=Error, description=BAD_COMBINATION)
@blp.alt_response(404, schema=Error, description=NOT_FOUND_FILTER)
def posts(args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Published posts

    Newest first, or most relevant first when searching (q), narrowed by any combination of
    the filters. Drafts and scheduled posts never appear.
    """
    if "q" in args:
        _refuse_with_search(args)
    filed = tuple(_filed(name, model, args[name]) for name, model in FILTERS.items()
                  if name in args)
    items, total = _searched(args) if "q" in args else _listed(args, filed)
    body = _page(items, total, args["page"], args["per_page"])
    return body, {"Link": _link_header(body["links"])}


def _listed(args: dict[str, Any], filed: tuple[queries.Filed, ...]) -> tuple[list[Any], int]:
    filters = queries.PostFilters(filed, args.get("published_after"),
                                  args.get("published_before"))
    listed = queries.filtered_posts(filters, args["page"], args["per_page"])
    return listed.items, listed.total or 0


def _searched(args: dict[str, Any]) -> tuple[list[Any], int]:
    found = search_posts(args["q"], tag=args.get("tag"), category=args.get("category"),
                         page=args["page"], per_page=args["per_page"])
    return [Found(hit.post, hit.snippet) for hit in found.items], found.total


@dataclass(frozen=True)
class Found:
    """A search hit as a list item: the post's fields, and the passage that matched."""

    post: Post
    snippet: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.post, name)


def _refuse_with_search(args: dict[str, Any]) -> None:
    """Search narrows by tag and category only; saying so beats ignoring a filter."""
    for name in ("author", "published_after", "published_before"):
        if name in args:
            fail(400, f"{name} cannot be combined with q (search narrows by tag and "
                      "category only).", parameter=name)


@blp.route("/posts/<slug:slug>")
@blp.response(200, PostDetail)
@blp.alt_response(301, description="An old slug or alias of a post: its current address.",
                  headers={"Location": LOCATION_HEADER})
@blp.alt_response(404, schema=Error, description="No published post has this slug.")
@blp.alt_response(410, schema=Error, description="The post was removed for good.")
def post(slug: str) -> Post | Response:
    """One published post in full

    Its metadata, the rendered HTML, the Markdown source and the table of contents.
    """
    found = queries.public_post(slug)
    if found is not None:
        return found
    current = queries.redirect_slug(slug)
    if current is not None:
        return Response(status=301, headers={"Location": url_for("api.post", slug=current)})
    if queries.was_removed(slug):
        fail(410, f"The post {slug!r} was removed and will not come back.")
    fail(404, f"No published post has the slug {slug!r}.")


@dataclass(frozen=True)
class Counted:
    item: queries.Filed
    count: int


def _index(model: queries.Taxonomy) -> dict[str, Any]:
    rows = queries.with_post_counts(model)
    return {"items": [Counted(item, count) for item, count in rows], "total": len(rows)}


@blp.route("/tags")
@blp.response(200, TagIndex)
def tags() -> dict[str, Any]:
    """Tags, with their number of published posts"""
    return _index(Tag)


@blp.route("/categories")
@blp.response(200, CategoryIndex)
def categories() -> dict[str, Any]:
    """Categories, with their number of published posts"""
    return _index(Category)


@blp.route("/authors")
@blp.response(200, AuthorIndex)
def authors() -> dict[str, Any]:
    """Authors, with their number of published posts"""
    return _index(Author)


@blp.route("/pages")
@blp.response(200, PageIndex)
def pages() -> dict[str, Any]:
    """Published pages

    The site's pages (an about page, a colophon), which no list of posts includes.
    """
    items = queries.all_public_pages()
    return {"items": items, "total": len(items)}


@blp.route("/pages/<slug:slug>")
@blp.response(200, PageDetail)
@blp.alt_response(301, description="An old slug or alias of a page: its current address.",
                  headers={"Location": LOCATION_HEADER})
@blp.alt_response(404, schema=Error, description="No published page has this slug.")
def page(slug: str) -> Post | Response:
    """One published page in full

    Its metadata, the rendered HTML, the Markdown source and the table of contents.
    """
    found = queries.public_page_by_slug(slug)
    if found is not None:
        return found
    moved = queries.moved_page(slug)
    if moved is not None:
        return Response(status=301, headers={"Location": url_for("api.page", slug=moved.slug)})
    fail(404, f"No published page has the slug {slug!r}.")


def _filed(parameter: str, model: queries.Taxonomy, slug: str) -> queries.Filed:
    item = queries.filed_item(model, slug)
    if item is None:
        fail(404, f"No {parameter} {slug!r} has published posts.", parameter=parameter)
    return item


def _page(items: Any, total: int, page: int, per_page: int) -> dict[str, Any]:
    """The list body: the items, the counts, and links to this page and its neighbours."""
    pages = max(1, ceil(total / per_page))
    if page > pages:
        fail(404, f"Page {page} is past the last page ({pages}).", parameter="page")
    return {
        "items": items, "total": total, "page": page, "per_page": per_page, "pages": pages,
        "links": {
            "self": _page_url(page),
            "first": _page_url(1),
            "prev": _page_url(page - 1) if page > 1 else None,
            "next": _page_url(page + 1) if page < pages else None,
            "last": _page_url(pages),
        },
    }


def _page_url(page: int) -> str:
    """This request's address on SITE_URL at another page, without unknown parameters."""
    kept = {name: request.args[name] for name in QUERY_PARAMETERS
            if name in request.args and name != "page"}
    return absolute_url("api.posts", **kept, **({"page": page} if page > 1 else {}))


def _link_header(links: dict[str, str | None]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
