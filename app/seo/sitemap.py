"""What a sitemap lists: each address with its last change, built for thousands of rows.

A sitemap of 10,000 posts is 10,000 addresses. Each is built with ``address_builder`` (once
through the URL map, then by substitution), and each date formatted once, here rather than
in the template's loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from app.templating import absolute_url, address_builder

Entry = tuple[str, str | None]  # an address and its last change (ISO 8601), if known


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def fixed_pages(listings: Iterable[str], newest: datetime | None) -> list[Entry]:
    """The home page, the archive and the index of each listing: they change with the
    newest post."""
    changed = _iso(newest)
    endpoints = ["posts.index", "archive.index", *(f"{name}.index" for name in listings)]
    return [(absolute_url(endpoint), changed) for endpoint in endpoints]


def listing_entries(listings: Mapping[str, Sequence[Any]]) -> list[Entry]:
    """Each tag, category and author page: rows of ``slug`` and ``lastmod``, by listing."""
    entries: list[Entry] = []
    for name, rows in listings.items():
        address = address_builder(f"{name}.detail", "slug", external=True)
        entries += [(address(row.slug), _iso(row.lastmod)) for row in rows]
    return entries


def page_entries(rows: Sequence[Any]) -> list[Entry]:
    """The site's pages: rows of ``path`` and ``lastmod``."""
    return [(absolute_url("pages.detail", address=row.path), _iso(row.lastmod)) for row in rows]


def post_entries(rows: Sequence[Any]) -> list[Entry]:
    """Posts: rows of ``slug`` and ``lastmod``."""
    address = address_builder("posts.detail", "slug", external=True)
    return [(address(row.slug), _iso(row.lastmod)) for row in rows]
