"""Fields that are plain text (titles, excerpts, author names, tags, categories) stay plain
text in every feed: after the one decoding a reader does, nothing in them is markup, whether
the text came from frontmatter or from the body. Post content is HTML, sanitised."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Author, Category, Post, Tag
from tests.conftest import ArticleWriter

IMG = "<img src=x onerror=alert(1)>"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = {"img": IMG, "escaped-img": ESCAPED_IMG, "script": SCRIPT}
ORDINARY = "Vec<T> & Q&A"  # text a programming blog really writes


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements an HTML reader would build from ``markup``."""
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


@pytest.fixture
def hostile_site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    """Markup in every frontmatter field of one post per payload, in the body of others, and
    ordinary text with ``<`` and ``&`` that must still read right."""
    for name, payload in HOSTILE.items():
        quoted = "'" + payload + "'"
        write_article(f"frontmatter-{name}.md", title=quoted, excerpt=quoted, author=quoted,
                      category=quoted, tags=quoted)
    write_article("body-escaped-img.md", ESCAPED_IMG + "\n", title="Escaped in the body")
    write_article("body-raw-markup.md", f"{IMG} {SCRIPT}text\n", title="Raw in the body")
    write_article("x", raw="the file the raw <img src=x> names: a download from the media store")
    write_article("ordinary.md", "Plain.\n", title=f"'{ORDINARY}'", excerpt=f"'{ORDINARY}'",
                  author="'Smith & Jones'", category="'R&D'", tags="'Q&A'")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


def feed_urls(app: Flask, name: str) -> list[str]:
    """The site's feed called ``name`` and that of every tag, category and author."""
    with app.app_context():
        filed = [(kind, slug) for kind, model in (("tags", Tag), ("categories", Category),
                                                  ("authors", Author))
                 for slug in db.session.scalars(select(model.slug))]
    return [f"/{name}", *(f"/{kind}/{slug}/{name}" for kind, slug in filed)]


@dataclass(frozen=True)
class Written:
    excerpt: str
    author: str
    tags: list[str]


def written(app: Flask) -> dict[str, Written]:
    """What was imported, by post title: the plain text the feeds must carry."""
    with app.app_context():
        return {post.title: Written(post.excerpt, post.author.name,
                                    sorted(tag.name for tag in post.tags))
                for post in db.session.scalars(select(Post))}


def parsed(client: FlaskClient, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    # As a reader gets it: feedparser's own clean-up off, so nothing hides what we send.
    feed = feedparser.parse(response.data, sanitize_html=False)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


def text_fields(feed: feedparser.FeedParserDict) -> list[tuple[str, str]]:
    """(what, value) for every field of ``feed`` that is meant to be plain text."""
    fields = [("feed title", feed.feed.get("title", "")),
              ("feed subtitle", feed.feed.get("subtitle", ""))]
    for entry in feed.entries:
        fields += [("title", entry.title), ("summary", entry.get("summary", ""))]
        fields += [("author", author.get("name", "")) for author in entry.get("authors", [])]
        for tag in entry.get("tags", []):
            fields += [("tag term", tag.get("term") or ""), ("tag label", tag.get("label") or "")]
    return fields


def assert_sanitised(content: str, where: str) -> None:
    for tag, attrs in elements(content):
        assert tag not in ("script", "iframe", "object", "embed"), (where, tag)
        assert not [name for name, _ in attrs if name.startswith("on")], (where, tag, attrs)


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml"])
def test_no_markup_in_text_fields_of_xml_feeds(hostile_site: Flask, client: FlaskClient,
                                               name: str) -> None:
    for url in feed_urls(hostile_site, name):
        feed = parsed(client, url)
        assert feed.entries, url
        for what, value in text_fields(feed):
            assert elements(value) == [], (url, what, value)
        for entry in feed.entries:
            assert_sanitised(entry.content[0].value, url)


@pytest.mark.parametrize("query", ["alert", SCRIPT])  # the query is in the feed's title
def test_no_markup_in_the_search_feed(hostile_site: Flask, client: FlaskClient,
                                      query: str) -> None:
    feed = parsed(client, "/search/feed.xml?" + urlencode({"q": query}))

    assert feed.entries or query == SCRIPT
    assert html.unescape(feed.feed.title).startswith(f"Search “{query}”")
    for what, value in text_fields(feed):
        assert elements(value) == [], (what, value)


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml"])
def test_an_escaped_tag_in_the_body_stays_text(hostile_site: Flask, client: FlaskClient,
                                               name: str) -> None:
    """The issue's case: a body of ``&lt;img ...&gt;`` is inert text on the page, and so in
    the summary a reader decodes once and takes as HTML."""
    entry = next(e for e in parsed(client, f"/{name}").entries
                 if e.link.endswith("/body-escaped-img"))

    assert entry.summary_detail.type == "text/html"
    assert elements(entry.summary) == []
    assert html.unescape(entry.summary) == IMG


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml"])
def test_html_fields_show_the_text_exactly(hostile_site: Flask, client: FlaskClient,
                                           name: str) -> None:
    """Where a field is HTML (Atom ``type="html"``, RSS ``description``), reading it as HTML
    gives back the text as written, markup-looking characters and all."""
    posts = written(hostile_site)
    feed = parsed(client, f"/{name}")

    shown = {html.unescape(entry.summary) for entry in feed.entries}
    assert shown == {post.excerpt for post in posts.values()}
    if name == "feed.xml":
        assert {html.unescape(entry.title) for entry in feed.entries} == set(posts)


@pytest.mark.parametrize("name", ["feed.xml", "rss.xml"])
def test_ordinary_text_reads_right(hostile_site: Flask, client: FlaskClient, name: str) -> None:
    entry = next(e for e in parsed(client, f"/{name}").entries if e.link.endswith("/ordinary"))

    assert entry.title_detail.type == "text/html"  # so a reader decodes it as HTML
    assert html.unescape(entry.title) == html.unescape(entry.summary) == ORDINARY
    assert entry.author == "Smith & Jones"
    assert {tag.label or tag.term for tag in entry.tags} == {"R&D", "Q&A"}


def test_json_feed_text_is_the_text_and_content_is_sanitised(hostile_site: Flask,
                                                              client: FlaskClient) -> None:
    """JSON Feed says which fields are plain text (``title``, ``summary``, names, tags) and
    which is HTML (``content_html``): JSON's one decoding must give back the text exactly."""
    posts = written(hostile_site)
    for url in feed_urls(hostile_site, "feed.json"):
        items: list[dict[str, Any]] = json.loads(client.get(url).data)["items"]
        assert items, url
        for item in items:
            post = posts[item["title"]]
            assert item["summary"] == post.excerpt
            assert [author["name"] for author in item["authors"]] == [post.author]
            assert sorted(item["tags"]) == post.tags
            assert_sanitised(item["content_html"], url)
