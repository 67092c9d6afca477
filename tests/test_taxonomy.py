"""Tag, category and author pages: one shared body, three blueprints."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.html import parse, text_of


def test_tag_index_counts_public_posts_most_used_first(site: Flask,
                                                       client: FlaskClient) -> None:
    page = parse(client.get("/tags/").get_data(as_text=True))

    rows = [(text_of(li.cssselect("a")[0]), text_of(li.cssselect(".term-list__count")[0]))
            for li in page.cssselect(".term-list li")]
    # Python: older, newer, no-toc (the draft's and the scheduled post's uses don't count).
    assert rows == [("Python", "3 posts"), ("Design", "2 posts"), ("Tools", "2 posts"),
                    ("<i>t</i>", "1 post")]


def test_category_and_author_indexes(site: Flask, client: FlaskClient) -> None:
    categories = parse(client.get("/categories/").get_data(as_text=True))
    authors = parse(client.get("/authors/").get_data(as_text=True))

    assert [text_of(a) for a in categories.cssselect(".term-list a")] == [
        "Compilers", "<em>Cat</em>", "Engines"]
    assert [text_of(a) for a in authors.cssselect(".term-list a")] == [
        "Ada Lovelace", "<b>Mallory</b>", "Grace Hopper"]


@pytest.mark.parametrize(("url", "heading", "posts"), [
    ("/tags/python", "Posts tagged “Python”", ["newer", "older", "no-toc"]),
    ("/categories/compilers", "Posts in Compilers", ["newer", "middle"]),
    ("/authors/ada-lovelace", "Posts by Ada Lovelace", ["middle", "older", "no-toc"]),
])
def test_item_page_lists_its_public_posts(site: Flask, client: FlaskClient, url: str,
                                          heading: str, posts: list[str]) -> None:
    page = parse(client.get(url).get_data(as_text=True))

    assert text_of(page.cssselect("h1")[0]) == heading
    assert [a.get("href") for a in page.cssselect(".post-card__title a")] == [
        f"/posts/{slug}" for slug in posts]
    assert page.cssselect('link[rel="canonical"]')[0].get("href") == "http://blog.test" + url
    assert page.cssselect('link[rel="alternate"][type="application/atom+xml"]')[-1].get(
        "href") == f"http://blog.test{url}/feed.xml"


def test_item_page_paginates(site: Flask, client: FlaskClient) -> None:
    site.config["POSTS_PER_PAGE"] = 2

    second = parse(client.get("/tags/python?page=2").get_data(as_text=True))

    assert [a.get("href") for a in second.cssselect(".post-card__title a")] == ["/posts/no-toc"]
    assert second.cssselect('a[rel="prev"]')[0].get("href") == "/tags/python"
    assert client.get("/tags/python?page=3").status_code == 404
    assert client.get("/tags/python?page=x").status_code == 404


@pytest.mark.parametrize("url", [
    "/tags/hidden",  # only on a draft
    "/tags/future",  # only on a scheduled post
    "/categories/secret-stuff", "/authors/shadow-writer", "/authors/time-traveller",
    "/tags/no-such-tag", "/categories/nothing", "/authors/nobody",
])
def test_items_without_public_posts_are_404(site: Flask, client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404
    assert client.get(url + "/feed.xml").status_code == 404


def test_index_pages_of_an_empty_site(app: Flask, client: FlaskClient) -> None:
    for url in ("/tags/", "/categories/", "/authors/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Nothing here yet" in response.get_data(as_text=True)
