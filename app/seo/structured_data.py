"""schema.org JSON-LD for a post page: the article itself and its breadcrumb trail.

Plain dictionaries; the template serialises them with ``tojson``, which escapes ``<``, ``>``
and ``&`` so a title cannot close the script element.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.models import Author, Post
from app.templating import absolute, absolute_url


def for_post(post: Post) -> list[dict[str, Any]]:
    return [blog_posting(post), breadcrumbs(post)]


def _people(authors: list[Author]) -> dict[str, Any] | list[dict[str, Any]]:
    """schema.org's author: one Person, or a list of them for a post with several (Google's
    own examples write a single author as an object)."""
    people = [{"@type": "Person", "name": author.name,
               "url": absolute_url("authors.detail", slug=author.slug)} for author in authors]
    return people[0] if len(people) == 1 else people


def blog_posting(post: Post) -> dict[str, Any]:
    url = absolute_url("posts.detail", slug=post.slug)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": url,
        "mainEntityOfPage": url,
        "url": url,
        "headline": post.title,
        "description": post.excerpt,
        "datePublished": post.published_at.isoformat(),
        "dateModified": (post.updated_at or post.published_at).isoformat(),
        "author": _people(post.authors or [post.author]),
        "publisher": {"@type": "Organization", "name": current_app.config["SITE_NAME"],
                      "url": absolute_url("posts.index")},
        "inLanguage": current_app.config["SITE_LANGUAGE"],
        "timeRequired": f"PT{post.reading_minutes}M",
    }
    if post.image:
        data["image"] = absolute(post.image)
    if post.tags:
        data["keywords"] = [tag.name for tag in post.tags]
    if post.category:
        data["articleSection"] = post.category.name
    return data


def breadcrumbs(post: Post) -> dict[str, Any]:
    trail = [(current_app.config["SITE_NAME"], absolute_url("posts.index"))]
    if post.category:
        trail.append((post.category.name,
                      absolute_url("categories.detail", slug=post.category.slug)))
    trail.append((post.title, absolute_url("posts.detail", slug=post.slug)))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(trail, start=1)
        ],
    }
