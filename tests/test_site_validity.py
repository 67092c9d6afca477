"""Every page a reader can reach answers 200 and is valid HTML; every feed parses.

The site is crawled from the home page through its own links, so a new page type is covered
as soon as something links to it. Runs on the sample-like ``site`` fixture and on the
real-world corpora in ../shared/corpora.
"""

from __future__ import annotations

import re
import shutil
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import REPO, copy_fixture
from tests.html import parse
from tests.webcheck import vnu_errors

FEED_TYPES = ("application/atom+xml", "application/rss+xml")
MOST_PAGES = 3000


def crawl(client: FlaskClient) -> tuple[dict[str, str], set[str]]:
    """Every internal page reachable from ``/`` (path -> HTML) and every feed they announce."""
    pages: dict[str, str] = {}
    feeds: set[str] = set()
    queue, seen = deque(["/"]), {"/"}
    while queue:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if response.mimetype != "text/html":
            continue
        pages[path] = response.get_data(as_text=True)
        document = parse(pages[path])
        for link in document.cssselect("link[rel=alternate]"):
            if link.get("type") in FEED_TYPES:
                feeds.add(urlsplit(link.get("href")).path)
        # Links inside post bodies are the authors' (the corpora link to pages of their own
        # sites); the crawl follows the site's own navigation.
        for body in document.cssselect(".prose"):
            body.drop_tree()
        for anchor in document.cssselect("a[href]"):
            target = urldefrag(anchor.get("href")).url
            if target.startswith("/") and not target.startswith(("//", "/static/")) \
                    and target not in seen:
                seen.add(target)
                queue.append(target)
        assert len(seen) < MOST_PAGES, "the crawl does not end"
    return pages, feeds


def check_site(client: FlaskClient) -> dict[str, str]:
    pages, feeds = crawl(client)
    for extra in ("/no/such/page", "/search?q=the", "/search?q=zzzzqqq", "/search"):
        pages[extra] = client.get(extra).get_data(as_text=True)

    invalid = {path: errors for path, errors in vnu_errors(pages).items() if errors}
    assert not invalid, invalid
    for path, markup in pages.items():
        assert_accessible_structure(path, markup)
    for feed in sorted(feeds):
        parsed = feedparser.parse(client.get(feed).data)
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
    return pages


def assert_accessible_structure(path: str, markup: str) -> None:
    """What axe cannot judge from one page: the same landmarks and one h1 on every page."""
    page = parse(markup)
    assert len(page.cssselect("h1")) == 1, path
    assert page.cssselect("a.skip-link")[0].get("href") == "#content", path
    assert len(page.cssselect("main#content")) == 1, path
    assert page.cssselect("header.site-header") and page.cssselect("footer.site-footer"), path
    assert page.cssselect("nav[aria-label]"), path
    assert all(img.get("alt") is not None for img in page.cssselect("img")), path
    assert page.get("lang"), path
    # Works offline: nothing the page loads by itself comes from another host.
    for element in page.cssselect("link[rel=stylesheet], link[rel=icon], script[src], iframe"):
        address = element.get("href") or element.get("src") or ""
        assert address.startswith("/") and not address.startswith("//"), (path, address)
    assert not page.cssselect("script:not([type='application/ld+json'])"), path


@pytest.mark.validator
def test_sample_site_is_valid(site: Flask, client: FlaskClient, runner: FlaskCliRunner,
                              content_dir: Path) -> None:
    site.config["POSTS_PER_PAGE"] = 2
    about = content_dir / "pages" / "about.md"
    about.parent.mkdir()
    about.write_text("---\ntitle: About\nmenu: main\n---\n\nWho writes here.\n\n## One\n\n"
                     "## Two\n\n## Three\n")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    pages = check_site(client)

    kinds = {path.split("/")[1] for path in pages}
    assert {"", "posts", "tags", "categories", "authors", "archive", "about"} <= kinds
    assert "/?page=2" in pages


@pytest.mark.validator
def test_posts_with_maths_are_valid(app: Flask, client: FlaskClient, runner: FlaskCliRunner,
                                    content_dir: Path) -> None:
    """The MathML the renderer writes, and TeX shown as code, are valid HTML."""
    shutil.copy(REPO / "content" / "the-maths-of-cache-hit-rates.md", content_dir)
    for name in ("maths_display_and_inline.md", "maths_unconvertible.md"):
        copy_fixture(name, content_dir)
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output

    pages = check_site(client)

    assert sum(page.count("<math ") for page in pages.values()) > 40


@pytest.mark.validator
@pytest.mark.corpora
def test_real_corpora_make_a_valid_site(app: Flask, client: FlaskClient,
                                        runner: FlaskCliRunner, article_corpora: Path) -> None:
    result = runner.invoke(args=["import-posts", str(article_corpora)])
    # Exit status 1 only for the images the corpora's snapshots lack; their posts import.
    errors = re.findall(r"^\S+:\d+: error: (.*)$", result.output, re.MULTILINE)
    assert all(": there is no file " in error for error in errors), result.output

    pages = check_site(client)

    assert len([p for p in pages if p.startswith("/posts/")]) >= 100
