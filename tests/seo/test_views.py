"""What search engines and link previews read: meta tags, JSON-LD, sitemap and robots.txt."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from tests.conftest import SCRIPT_TITLE
from tests.html import parse
from tests.webcheck import require, sitemap_schema_errors

PAGES = ["/", "/posts/newer", "/tags/", "/tags/python", "/categories/",
         "/categories/compilers", "/authors/", "/authors/grace-hopper", "/archive/"]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def meta(page: object, selector: str) -> str:
    elements = page.cssselect(selector)  # type: ignore[attr-defined]
    assert len(elements) == 1, selector
    return str(elements[0].get("content") or elements[0].get("href"))


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_canonical_description_and_social_tags(site: Flask, client: FlaskClient,
                                                              url: str) -> None:
    page = parse(client.get(url).get_data(as_text=True))

    canonical = meta(page, 'link[rel="canonical"]')
    assert canonical == "http://blog.test" + url
    assert meta(page, 'meta[property="og:url"]') == canonical
    assert meta(page, 'meta[name="description"]')
    assert meta(page, 'meta[property="og:title"]') and meta(page, 'meta[name="twitter:card"]')
    assert meta(page, 'meta[property="og:description"]') == meta(page, 'meta[name="description"]')


def test_post_page_describes_itself(site: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/posts/newer").get_data(as_text=True))

    assert meta(page, 'meta[name="description"]') == "What the newer post is about."
    assert meta(page, 'meta[property="og:type"]') == "article"
    image = "http://blog.test/static/images/flask-layers.svg"
    assert meta(page, 'meta[property="og:image"]') == image
    assert meta(page, 'meta[name="twitter:image"]') == image
    assert meta(page, 'meta[name="twitter:card"]') == "summary_large_image"
    assert meta(page, 'meta[property="og:image:alt"]') == "Layers of a Flask app"


def test_post_page_carries_blog_posting_and_breadcrumbs(site: Flask,
                                                        client: FlaskClient) -> None:
    page = parse(client.get("/posts/newer").get_data(as_text=True))
    posting, trail = (json.loads(s.text) for s in
                      page.cssselect('script[type="application/ld+json"]'))

    assert posting["@type"] == "BlogPosting"
    assert posting["headline"] == "The Newer Post"
    assert posting["datePublished"] == "2025-06-01T00:00:00+00:00"
    assert posting["dateModified"] == "2025-07-01T00:00:00+00:00"
    assert posting["author"] == {"@type": "Person", "name": "Grace Hopper",
                                 "url": "http://blog.test/authors/grace-hopper"}
    assert posting["image"] == "http://blog.test/static/images/flask-layers.svg"
    assert posting["keywords"] == ["Python", "Tools"]
    assert posting["mainEntityOfPage"] == "http://blog.test/posts/newer"
    assert trail["@type"] == "BreadcrumbList"
    assert [(i["position"], i["name"], i["item"]) for i in trail["itemListElement"]] == [
        (1, "Folio", "http://blog.test/"),
        (2, "Compilers", "http://blog.test/categories/compilers"),
        (3, "The Newer Post", "http://blog.test/posts/newer"),
    ]


def test_hostile_values_stay_inert_in_meta_tags_and_json_ld(site: Flask,
                                                            client: FlaskClient) -> None:
    body = client.get("/posts/xss").get_data(as_text=True)
    page = parse(body)

    assert meta(page, 'meta[property="og:title"]') == SCRIPT_TITLE  # as text, in an attribute
    posting = json.loads(page.cssselect('script[type="application/ld+json"]')[0].text)
    assert posting["headline"] == SCRIPT_TITLE
    assert posting["description"] == "</script><script>alert(4)</script>"
    assert "</script><script>" not in body


def test_site_url_decides_absolute_urls(site: Flask, client: FlaskClient) -> None:
    site.config["SITE_URL"] = "https://example.org/"

    page = parse(client.get("/posts/newer", base_url="http://internal:8000").get_data(True))

    assert meta(page, 'link[rel="canonical"]') == "https://example.org/posts/newer"
    assert meta(page, 'meta[property="og:image"]').startswith("https://example.org/static/")


def test_sitemap_lists_public_posts_and_listings_and_validates(site: Flask,
                                                               client: FlaskClient) -> None:
    require("sitemap-schema")
    response = client.get("/sitemap.xml")

    assert response.mimetype == "application/xml"
    assert sitemap_schema_errors(response.data) == []
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
            for u in etree.fromstring(response.data)}
    assert urls["http://blog.test/posts/newer"] == "2025-07-01T00:00:00+00:00"
    assert urls["http://blog.test/posts/older"] == "2025-01-01T00:00:00+00:00"
    assert urls["http://blog.test/tags/python"] == "2025-07-01T00:00:00+00:00"
    assert urls["http://blog.test/"] == "2025-07-01T00:00:00+00:00"
    for listing in ("/archive/", "/tags/", "/categories/", "/authors/",
                    "/categories/compilers", "/authors/ada-lovelace"):
        assert "http://blog.test" + listing in urls
    posts = sorted(u.rsplit("/", 1)[1] for u in urls if "/posts/" in u)
    assert posts == ["middle", "newer", "no-toc", "older", "xss"]
    assert all(lastmod for lastmod in urls.values())


def test_sitemap_of_an_empty_site_validates(app: Flask, client: FlaskClient) -> None:
    require("sitemap-schema")

    assert sitemap_schema_errors(client.get("/sitemap.xml").data) == []


def test_robots_keeps_crawlers_out_unless_in_production(app: Flask,
                                                        client: FlaskClient) -> None:
    staging = client.get("/robots.txt")
    app.config["FOLIO_ENV"] = "production"
    production = client.get("/robots.txt").get_data(as_text=True)

    assert staging.mimetype == "text/plain"
    assert "Disallow: /\n" in staging.get_data(as_text=True)
    assert "Allow: /\n" in production and "Disallow" not in production
    for body in (staging.get_data(as_text=True), production):
        assert "Sitemap: http://blog.test/sitemap.xml" in body


def test_a_site_past_the_protocol_limit_gets_a_sitemap_index(site: Flask,
                                                             client: FlaskClient) -> None:
    require("sitemap-schema")
    site.config["SITEMAP_MAX_URLS"] = 3  # stands in for 50,000

    index = etree.fromstring(client.get("/sitemap.xml").data)
    files = [s.findtext(f"{SITEMAP}loc") for s in index]

    assert index.tag == f"{SITEMAP}sitemapindex"
    assert files == ["http://blog.test/sitemaps/listings.xml",
                     "http://blog.test/sitemaps/posts-1.xml",
                     "http://blog.test/sitemaps/posts-2.xml"]
    posts: list[str] = []
    for url in files:
        response = client.get(url.removeprefix("http://blog.test"))
        assert sitemap_schema_errors(response.data) == [], url
        locs = [u.findtext(f"{SITEMAP}loc") for u in etree.fromstring(response.data)]
        assert len(locs) <= 3 or url.endswith("listings.xml")
        posts += [loc.rsplit("/", 1)[1] for loc in locs if "/posts/" in loc]
    assert sorted(posts) == ["middle", "newer", "no-toc", "older", "xss"]
    assert client.get("/sitemaps/posts-3.xml").status_code == 404
    assert client.get("/sitemaps/posts-0.xml").status_code == 404
