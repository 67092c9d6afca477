from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template

from app import queries, taxonomy
from app.feeds.content import absolute_links, inert_text, text_as_html, xml_safe
from app.models import Author, Category, Post, Tag, utcnow
from app.templating import absolute, absolute_url

bp = Blueprint("feeds", __name__)
# For the XML templates: they must return plain str, not Markup, so autoescape adds the XML
# layer on top (Flask has no filters scoped to one blueprint; these names are the feeds' own).
bp.add_app_template_filter(text_as_html)
bp.add_app_template_filter(inert_text)

FORMATS = {
    "feed.xml": ("feeds/atom.xml", "application/atom+xml"),
    "rss.xml": ("feeds/rss.xml", "application/rss+xml"),
    "feed.json": (None, "application/feed+json"),
}


@bp.get("/<any('feed.xml', 'rss.xml', 'feed.json'):name>")
def site_feed(name: str) -> Response:
    return _feed(name, None, None)


@bp.get("/<any(tags, categories, authors):kind>/<slug:slug>/<any('feed.xml', 'rss.xml', "
        "'feed.json'):name>")
def filed_feed(kind: str, slug: str, name: str) -> Response:
    item = queries.filed_item(taxonomy.KINDS[kind].model, slug)
    if item is None:
        abort(404)
    return _feed(name, kind, item)


def _feed(name: str, kind: str | None, item: Tag | Category | Author | None) -> Response:
    posts = queries.feed_posts(current_app.config["FEED_SIZE"], item)
    site = current_app.config["SITE_NAME"]
    if item is None or kind is None:
        return feed_response(name, posts, title=site, page_url=absolute_url("posts.index"),
                             self_url=absolute_url("feeds.site_feed", name=name))
    return feed_response(
        name, posts, title=f"{taxonomy.KINDS[kind].heading.format(name=item.name)} · {site}",
        page_url=absolute_url(f"{kind}.detail", slug=item.slug),
        self_url=absolute_url("feeds.filed_feed", kind=kind, slug=item.slug, name=name))


def feed_response(name: str, posts: Sequence[Post], *, title: str, page_url: str,
                  self_url: str) -> Response:
    """``posts`` as a feed in the format ``name`` names ("feed.xml", "rss.xml", "feed.json")."""
    feed = {
        "title": title,
        "subtitle": current_app.config["SITE_DESCRIPTION"],
        "page_url": page_url,
        "self_url": self_url,
        "id": self_url,
        "updated": max((p.updated_at or p.published_at for p in posts), default=utcnow()),
        "language": current_app.config["SITE_LANGUAGE"],
        "entries": [_entry(post) for post in posts],
    }
    template, mimetype = FORMATS[name]
    if template is None:
        body = json.dumps(_json_feed(feed, posts), ensure_ascii=False, indent=1)
    else:
        body = xml_safe(render_template(template, feed=feed, posts=posts))
    return Response(body, mimetype=mimetype)


def _entry(post: Post) -> dict[str, Any]:
    url = absolute_url("posts.detail", slug=post.slug)
    return {
        # The stored guid: stays put when the slug or the site's domain changes.
        "id": f"urn:uuid:{post.guid}",
        "url": url,
        "html": absolute_links(post.html, url),
        "image": absolute(post.image) if post.image else None,
        "author_url": absolute_url("authors.detail", slug=post.author.slug),
        "authors": [(author.name, absolute_url("authors.detail", slug=author.slug))
                    for author in post.authors or [post.author]],
        "tag_urls": [(tag.name, absolute_url("tags.detail", slug=tag.slug)) for tag in post.tags],
    }


def _json_feed(feed: dict[str, Any], posts: Sequence[Post]) -> dict[str, Any]:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed["title"],
        "home_page_url": feed["page_url"],
        "feed_url": feed["self_url"],
        "description": feed["subtitle"],
        "language": feed["language"],
        "items": [_json_item(post, entry) for post, entry in zip(posts, feed["entries"],
                                                                   strict=True)],
    }


def _json_item(post: Post, entry: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry["id"],
        "url": entry["url"],
        "title": post.title,
        "content_html": entry["html"],
        "summary": post.excerpt,
        "date_published": post.published_at.isoformat(),
        "authors": [{"name": name, "url": url} for name, url in entry["authors"]],
        "tags": [tag.name for tag in post.tags],
    }
    if post.updated_at:
        item["date_modified"] = post.updated_at.isoformat()
    if entry["image"]:
        item["image"] = entry["image"]
    return item
