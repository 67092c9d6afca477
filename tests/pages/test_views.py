"""Pages (issue 11, point 6) over HTTP, on SQLite and PostgreSQL: served at their slug or
their url, listed nowhere, found in the sitemap, the search and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import ArticleWriter
from tests.html import parse, text_of

ABOUT = """---
title: About this blog
menu: main
weight: 5
---

Who writes here, and why: the zanzibar principle.

## Who

One.

## Why

Two.

## How

Three.
"""
COLOPHON = """---
title: Colophon
type: page
url: /about/colophon/
date: 2025-04-01
excerpt: How the site is made.
---

Set in zanzibar type. A [link](/posts/older).
"""
HIDDEN = "---\ntitle: Not yet\ndraft: true\n---\n\nzanzibar draft.\n"


def write_page(content_dir: Path, rel: str, text: str) -> None:
    path = content_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def import_ok(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def pages(site: Flask, runner: FlaskCliRunner, content_dir: Path) -> Flask:
    """The ``site`` fixture's posts, plus a page in pages/, one with its own url and a date
    between two posts (so it could be taken for a neighbour), and a draft page."""
    write_page(content_dir, "pages/about.md", ABOUT)
    write_page(content_dir, "colophon.md", COLOPHON)
    write_page(content_dir, "pages/hidden.md", HIDDEN)
    import_ok(runner)
    return site


def test_a_page_is_served_at_its_slug(pages: Flask, client: FlaskClient) -> None:
    response = client.get("/about")

    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert [text_of(h) for h in page.cssselect("h1")] == ["About this blog"]
    assert "zanzibar principle" in text_of(page.cssselect(".prose")[0])
    assert page.cssselect('link[rel="canonical"]')[0].get("href") == "http://blog.test/about"
    assert page.cssselect(".toc")  # three headings: a table of contents, as on posts
    # A page is not a post: no author, date, tags, neighbours or related posts.
    assert not page.cssselect(".post-meta, .tag-list, .post-nav, .related")


def test_a_page_is_served_at_its_url(pages: Flask, client: FlaskClient) -> None:
    response = client.get("/about/colophon")

    assert response.status_code == 200
    assert "Set in zanzibar type" in response.get_data(as_text=True)
    assert client.get("/colophon").status_code == 404
    moved = client.get("/about/colophon/")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/about/colophon")


@pytest.mark.parametrize("address", ["/hidden", "/no-such-page", "/About", "/about/nope",
                                     "/posts/about", "/tags/about", "/api/v1/about"])
def test_drafts_and_other_addresses_are_not_found(pages: Flask, client: FlaskClient,
                                                   address: str) -> None:
    assert client.get(address).status_code == 404


def test_folio_routes_still_win(pages: Flask, client: FlaskClient) -> None:
    assert client.get("/tags").status_code == 308  # to /tags/, as before pages existed
    assert client.get("/tags/").status_code == 200
    assert client.get("/feed.xml").mimetype == "application/atom+xml"


def test_a_scheduled_page_appears_on_time(site: Flask, client: FlaskClient,
                                          runner: FlaskCliRunner, content_dir: Path) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    write_page(content_dir, "pages/launch.md",
               f"---\ntitle: Launch\ndate: {soon:%Y-%m-%d %H:%M:%S} +0000\n---\n\nSoon.\n")
    import_ok(runner)
    assert client.get("/launch").status_code == 404

    site.config["CACHE_DISABLED"] = True
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.queries.utcnow", lambda: soon + timedelta(seconds=1))
        assert client.get("/launch").status_code == 200


def test_a_page_appears_in_no_list_or_feed(pages: Flask, client: FlaskClient) -> None:
    for address in ["/", "/archive/", "/tags/", "/categories/", "/authors/",
                    "/authors/anonymous", "/feed.xml", "/rss.xml", "/feed.json",
                    "/search/feed.xml?q=zanzibar", "/api/v1/posts", "/api/v1/posts?q=zanzibar",
                    "/api/v1/authors"]:
        response = client.get(address)
        assert response.status_code in (200, 404), address
        body = response.get_data(as_text=True)
        if response.mimetype == "text/html":  # the menu may name a page; the list may not
            body = text_of(parse(body).cssselect("main")[0])
        assert "About this blog" not in body and "Colophon" not in body, address


def test_a_page_is_nobodys_neighbour_or_related_post(pages: Flask, client: FlaskClient) -> None:
    # The colophon is dated between the middle post (March) and the newer one (June).
    newer = parse(client.get("/posts/newer").get_data(as_text=True))
    middle = parse(client.get("/posts/middle").get_data(as_text=True))

    assert newer.cssselect(".post-nav__older")[0].get("href") == "/posts/middle"
    assert middle.cssselect(".post-nav__newer")[0].get("href") == "/posts/newer"
    for page in (newer, middle):
        related = [a.get("href") for a in page.cssselect(".related a")]
        assert not [href for href in related if not href.startswith("/posts/")]


def test_a_page_is_in_the_sitemap(pages: Flask, client: FlaskClient) -> None:
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)

    assert "<loc>http://blog.test/about</loc>" in sitemap
    assert "<loc>http://blog.test/about/colophon</loc><lastmod>2025-04-01T00:00:00+00:00" \
        in sitemap
    assert "hidden" not in sitemap


def test_a_big_sites_pages_are_in_the_listings_sitemap(pages: Flask,
                                                       client: FlaskClient) -> None:
    pages.config["SITEMAP_MAX_URLS"] = 3

    listings = client.get("/sitemaps/listings.xml").get_data(as_text=True)

    assert "<loc>http://blog.test/about/colophon</loc>" in listings
    assert "colophon" not in client.get("/sitemaps/posts-1.xml").get_data(as_text=True)


def test_the_search_finds_pages_and_links_them(pages: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/search?q=zanzibar").get_data(as_text=True))

    links = {text_of(a): a.get("href") for a in page.cssselect(".search-result h2 a")}
    assert links == {"About this blog": "/about", "Colophon": "/about/colophon"}


def test_a_page_edit_shows_after_the_import(pages: Flask, client: FlaskClient,
                                            runner: FlaskCliRunner, content_dir: Path) -> None:
    first = client.get("/about")
    assert client.get("/about").headers["X-Cache"] == "hit"

    write_page(content_dir, "pages/about.md", ABOUT.replace("zanzibar", "timbuktu"))
    import_ok(runner)

    again = client.get("/about")
    assert again.headers["ETag"] != first.headers["ETag"]
    assert "timbuktu principle" in again.get_data(as_text=True)


def test_a_renamed_page_answers_at_its_old_slug(pages: Flask, client: FlaskClient,
                                                runner: FlaskCliRunner,
                                                content_dir: Path) -> None:
    write_page(content_dir, "pages/about.md", ABOUT.replace("weight: 5", "slug: who-we-are"))
    import_ok(runner)

    moved = client.get("/about")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/who-we-are")
    assert client.get("/who-we-are").status_code == 200


def test_two_pages_trade_addresses_in_one_import(site: Flask, client: FlaskClient,
                                                 runner: FlaskCliRunner,
                                                 content_dir: Path) -> None:
    write_page(content_dir, "one.md", "---\ntitle: One\ntype: page\nurl: /x\n---\n\nOne.\n")
    write_page(content_dir, "two.md", "---\ntitle: Two\ntype: page\nurl: /y\n---\n\nTwo.\n")
    import_ok(runner)
    write_page(content_dir, "one.md", "---\ntitle: One\ntype: page\nurl: /y\n---\n\nOne.\n")
    write_page(content_dir, "two.md", "---\ntitle: Two\ntype: page\nurl: /x\n---\n\nTwo.\n")
    import_ok(runner)

    assert "One." in client.get("/y").get_data(as_text=True)
    assert "Two." in client.get("/x").get_data(as_text=True)


@pytest.mark.parametrize(("rel", "text", "line", "address"), [
    ("pages/tags.md", "---\ntitle: Tags\n---\n\nMine.\n", 1, "/tags"),
    ("pages/a.md", "---\ntitle: A\nslug: search\n---\n\nMine.\n", 3, "/search"),
    ("b.md", "---\ntitle: B\ntype: page\nurl: /api/v2\n---\n\nMine.\n", 4, "/api/v2"),
    ("c.md", "---\ntitle: C\ntype: page\nurl: /feed.xml\n---\n\nMine.\n", 4, "/feed.xml"),
])
def test_a_page_under_a_folio_route_is_a_file_line_error(
        app: Flask, runner: FlaskCliRunner, content_dir: Path, write_article: ArticleWriter,
        rel: str, text: str, line: int, address: str) -> None:
    write_article("post.md")
    write_page(content_dir, rel, text)

    result = runner.invoke(args=["import-posts"])

    assert result.exit_code == 1
    segment = address.split("/")[1]
    assert f"{rel}:{line}: error: the page's address {address} is under /{segment}, which " \
        "Folio's own pages use" in result.output
    assert "added: post.md" in result.output  # the other files are imported


def test_two_pages_at_one_address_is_a_file_line_error(app: Flask, runner: FlaskCliRunner,
                                                       content_dir: Path) -> None:
    write_page(content_dir, "pages/about.md", "---\ntitle: About\n---\n\nOne.\n")
    write_page(content_dir, "team.md", "---\ntitle: Team\ntype: page\nurl: /about\n---\n\nT.\n")

    result = runner.invoke(args=["import-posts"])

    assert result.exit_code == 1
    assert "team.md:4: error: the address /about is already the page " in result.output
