"""The indexes of tags, categories and authors: public posts only, the most used first."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.html import parse, text_of


def test_tags_with_their_public_post_counts(site: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/tags")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {"total": 4, "items": [
        {"name": "Python", "slug": "python", "posts": 3, "url": "http://blog.test/tags/python",
         "posts_url": "http://blog.test/api/v1/posts?tag=python"},
        {"name": "Design", "slug": "design", "posts": 2, "url": "http://blog.test/tags/design",
         "posts_url": "http://blog.test/api/v1/posts?tag=design"},
        {"name": "Tools", "slug": "tools", "posts": 2, "url": "http://blog.test/tags/tools",
         "posts_url": "http://blog.test/api/v1/posts?tag=tools"},
        {"name": "<i>t</i>", "slug": "i-t-i", "posts": 1, "url": "http://blog.test/tags/i-t-i",
         "posts_url": "http://blog.test/api/v1/posts?tag=i-t-i"},
    ]}


def test_categories_with_their_public_post_counts(site: Flask, client: FlaskClient) -> None:
    items = client.get("/api/v1/categories").json["items"]

    # Engines has the scheduled post too, which does not count yet.
    assert [(item["slug"], item["posts"]) for item in items] == [
        ("compilers", 2), ("em-cat-em", 1), ("engines", 1)]
    assert items[0]["url"] == "http://blog.test/categories/compilers"
    assert items[0]["posts_url"] == "http://blog.test/api/v1/posts?category=compilers"


def test_authors_with_their_public_post_counts(site: Flask, client: FlaskClient) -> None:
    items = client.get("/api/v1/authors").json["items"]

    assert [(item["name"], item["posts"]) for item in items] == [
        ("Ada Lovelace", 3), ("<b>Mallory</b>", 1), ("Grace Hopper", 1)]
    assert items[0]["posts_url"] == "http://blog.test/api/v1/posts?author=ada-lovelace"


def test_indexes_are_ordered_like_the_site_pages(site: Flask, client: FlaskClient) -> None:
    for kind in ("tags", "categories", "authors"):
        page = parse(client.get(f"/{kind}/").get_data(as_text=True))
        on_site = [a.get("href").rsplit("/", 1)[1] for a in page.cssselect("main li a")]
        in_api = [item["slug"] for item in client.get(f"/api/v1/{kind}").json["items"]]
        assert in_api == on_site, kind
        assert all(text_of(a) for a in page.cssselect("main li a"))


def test_an_empty_blog_has_empty_indexes(app: Flask, client: FlaskClient) -> None:
    for kind in ("tags", "categories", "authors"):
        assert client.get(f"/api/v1/{kind}").json == {"items": [], "total": 0}
