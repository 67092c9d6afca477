"""What tag, category and author pages share: an index with post counts, and a paginated
list of one item's posts. Each has its own blueprint; this is their common body."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template

from app import queries
from app.models import Author, Category, Tag
from app.paging import requested_page


@dataclass(frozen=True)
class Kind:
    """How one taxonomy is named on its pages and in its URLs."""

    model: queries.Taxonomy
    endpoint: str  # blueprint name: "tags", "categories", "authors"
    plural: str  # "Tags"
    heading: str  # "Posts tagged {name}"


TAGS = Kind(Tag, "tags", "Tags", "Posts tagged “{name}”")
CATEGORIES = Kind(Category, "categories", "Categories", "Posts in {name}")
AUTHORS = Kind(Author, "authors", "Authors", "Posts by {name}")
KINDS = {kind.endpoint: kind for kind in (TAGS, CATEGORIES, AUTHORS)}


def index_page(kind: Kind) -> str:
    items = queries.with_post_counts(kind.model)
    return render_template("taxonomy/index.html", kind=kind, items=items)


def filed_page(kind: Kind, slug: str) -> str:
    item = queries.filed_item(kind.model, slug)
    if item is None:
        abort(404)
    page = requested_page()
    posts = queries.posts_filed_under(item, page, current_app.config["POSTS_PER_PAGE"])
    return render_template("taxonomy/detail.html", kind=kind, item=item, posts=posts,
                           heading=kind.heading.format(name=item.name))
