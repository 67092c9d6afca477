"""Telling a CDN or caching proxy in front what an import changed (``PURGE_URL``,
``PURGE_COMMAND``), so readers see it before ``CDN_MAX_AGE`` runs out.

The addresses are those a change shows on: each changed post's or page's own, its tags',
category's and authors' listings and their feeds, and the site-wide listings (home, archive,
feeds, sitemap, the API's list). A post removed by ``--prune`` is gone from the database
before this runs; its page leaves the CDN within ``CDN_MAX_AGE``.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from flask import Flask, url_for

from app import queries
from app.content.pages import PAGE

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
# Listings every change shows on: (endpoint, its values).
SITE_WIDE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("posts.index", {}), ("archive.index", {}), ("feeds.site_feed", {"name": "feed.xml"}),
    ("feeds.site_feed", {"name": "rss.xml"}), ("feeds.site_feed", {"name": "feed.json"}),
    ("seo.sitemap", {}), ("seo.sitemap_listings", {}), ("api.posts", {}),
)


def changed_addresses(app: Flask, source_paths: Iterable[str]) -> list[str]:
    """The addresses showing the posts of ``source_paths`` (added or updated files), and the
    site-wide listings; in a stable order, each once."""
    addresses: dict[str, None] = {}
    with app.test_request_context(base_url=app.config.get("SITE_URL") or None):
        for endpoint, values in SITE_WIDE:
            if endpoint in app.view_functions:
                addresses[url_for(endpoint, **values)] = None
        for post in queries.posts_from_files(sorted(source_paths)):
            if post.kind == PAGE and post.path:
                addresses[url_for("pages.detail", address=post.path)] = None
                continue
            addresses[url_for("posts.detail", slug=post.slug)] = None
            listings = [("tags", tag.slug) for tag in post.tags]
            listings += [("authors", author.slug) for author in post.authors or [post.author]]
            if post.category is not None:
                listings.append(("categories", post.category.slug))
            for kind, slug in listings:
                addresses[url_for(f"{kind}.detail", slug=slug)] = None
                addresses[url_for("feeds.filed_feed", kind=kind, slug=slug, name="feed.xml")] = None
    return list(addresses)


def purge(app: Flask, addresses: list[str]) -> None:
    """Send ``addresses`` to the configured hooks. A hook that fails is logged, never fatal:
    the import is committed, and the CDN catches up within ``CDN_MAX_AGE`` anyway."""
    url, command = app.config.get("PURGE_URL"), app.config.get("PURGE_COMMAND")
    if not addresses or not (url or command):
        return
    if url:
        failed = [address for address in addresses if not _purge_url(url.rstrip("/") + address)]
        if failed:
            log.warning("purge: %d of %d addresses were not purged at %s (first: %s)",
                        len(failed), len(addresses), url, failed[0],
                        extra={"event": "purge_failed"})
    if command:
        _run_command(command, addresses)
    log.info("purge: %d addresses sent", len(addresses),
             extra={"event": "purged", "addresses": len(addresses)})


def _purge_url(target: str) -> bool:
    request = urllib.request.Request(target, method="PURGE")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return bool(200 <= response.status < 300)
    except urllib.error.HTTPError as error:
        return error.code == 404  # nothing cached there: nothing to purge
    except OSError:
        return False


def _run_command(command: str, addresses: list[str]) -> None:
    try:
        done = subprocess.run(shlex.split(command), input="\n".join(addresses) + "\n",
                              capture_output=True, text=True, timeout=TIMEOUT_SECONDS * 6,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("purge: PURGE_COMMAND could not run: %s", exc,
                    extra={"event": "purge_failed"})
        return
    if done.returncode != 0:
        log.warning("purge: PURGE_COMMAND exited %d: %s", done.returncode,
                    (done.stderr or done.stdout).strip()[:500], extra={"event": "purge_failed"})
