"""Atom, RSS and JSON feeds of the site and of each tag, category and author."""

from __future__ import annotations

import html
import json
import re

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.extensions import db
from app.models import Post
from tests.conftest import SCRIPT_TITLE, ArticleWriter

XML_FEEDS = ["/feed.xml", "/rss.xml", "/tags/python/feed.xml", "/tags/python/rss.xml",
             "/categories/compilers/feed.xml", "/categories/compilers/rss.xml",
             "/authors/ada-lovelace/feed.xml", "/authors/ada-lovelace/rss.xml"]


def parsed(client: FlaskClient, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.data)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


@pytest.mark.parametrize("url", XML_FEEDS)
def test_every_feed_parses(site: Flask, client: FlaskClient, url: str) -> None:
    feed = parsed(client, url)

    assert feed.entries
    assert feed.version in ("atom10", "rss20")


def test_feeds_have_their_media_types(site: Flask, client: FlaskClient) -> None:
    assert client.get("/feed.xml").mimetype == "application/atom+xml"
    assert client.get("/rss.xml").mimetype == "application/rss+xml"
    assert client.get("/feed.json").mimetype == "application/feed+json"


def test_atom_entries_carry_full_content_and_absolute_links(site: Flask,
                                                            client: FlaskClient) -> None:
    feed = parsed(client, "/feed.xml")
    entry = feed.entries[0]

    # Titles are Atom type="html": escaped text, so SCRIPT_TITLE arrives as text.
    assert [html.unescape(e.title) for e in feed.entries] == [
        "The Newer Post", "The Middle Post", "The Older Post", "No Contents Here", SCRIPT_TITLE]
    assert entry.link == "http://blog.test/posts/newer"
    assert entry.author == "Grace Hopper"
    assert {t.term for t in entry.tags} == {"compilers", "python", "tools"}
    content = entry.content[0].value
    assert '<span class="k">def</span>' in content  # the whole post, highlighted
    assert 'href="http://blog.test/posts/older"' in content
    # The image beside the article, from the media store.
    assert re.search(r'src="http://blog\.test/media/[0-9a-f]{32}/diagram\.svg"', content)
    assert 'src="http://blog.test/static/images/flask-layers.svg"' in content  # the hero
    assert 'href="http://blog.test/posts/newer#fn:1"' in content
    assert entry.published.startswith("2025-06-01") and entry.updated.startswith("2025-07-01")
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert self_link.href == "http://blog.test/feed.xml"


def test_rss_items(site: Flask, client: FlaskClient) -> None:
    item = parsed(client, "/rss.xml").entries[0]

    assert item.link == "http://blog.test/posts/newer"
    assert item.guidislink is False and item.id.startswith("urn:uuid:")
    assert 'href="http://blog.test/posts/older"' in item.content[0].value
    assert item.published_parsed[:3] == (2025, 6, 1)


def test_json_feed(site: Flask, client: FlaskClient) -> None:
    feed = json.loads(client.get("/feed.json").data)

    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://blog.test/feed.json"
    first = feed["items"][0]
    assert first["url"] == "http://blog.test/posts/newer"
    assert first["image"] == "http://blog.test/static/images/flask-layers.svg"
    assert first["authors"] == [{"name": "Grace Hopper",
                                 "url": "http://blog.test/authors/grace-hopper"}]
    assert first["date_modified"].startswith("2025-07-01")
    assert 'href="http://blog.test/posts/older"' in first["content_html"]
    assert [item["title"] for item in feed["items"]][-1] == SCRIPT_TITLE


def test_tag_feed_holds_only_that_tag(site: Flask, client: FlaskClient) -> None:
    feed = parsed(client, "/tags/python/feed.xml")

    assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == ["newer", "older", "no-toc"]
    assert feed.feed.title == "Posts tagged “Python” · Folio"


def test_entry_ids_survive_a_new_slug_and_a_new_domain(app: Flask, client: FlaskClient,
                                                        write_article: ArticleWriter,
                                                        runner: FlaskCliRunner) -> None:
    article = write_article("post.md")
    runner.invoke(args=["import-posts"])
    before = {parsed(client, url).entries[0].id for url in ("/feed.xml", "/rss.xml")}
    with app.app_context():
        guid = db.session.query(Post.guid).scalar()

    article.write_text(article.read_text().replace("title: Post", "title: Post\nslug: moved"))
    runner.invoke(args=["import-posts"])
    app.config["SITE_URL"] = "https://new-domain.example"
    after = {parsed(client, url).entries[0].id for url in ("/feed.xml", "/rss.xml")}

    assert before == after == {f"urn:uuid:{guid}"}
    assert parsed(client, "/feed.xml").entries[0].link == "https://new-domain.example/posts/moved"
    assert json.loads(client.get("/feed.json").data)["items"][0]["id"] == f"urn:uuid:{guid}"


def test_feed_size_is_bounded(site: Flask, client: FlaskClient) -> None:
    site.config["FEED_SIZE"] = 2

    assert len(parsed(client, "/feed.xml").entries) == 2
    assert len(json.loads(client.get("/feed.json").data)["items"]) == 2


def test_feeds_of_an_empty_site_are_valid(app: Flask, client: FlaskClient) -> None:
    for url in ("/feed.xml", "/rss.xml"):
        assert parsed(client, url).entries == []
    assert json.loads(client.get("/feed.json").data)["items"] == []


def test_control_characters_do_not_break_the_xml(app: Flask, client: FlaskClient,
                                                 write_article: ArticleWriter,
                                                 runner: FlaskCliRunner) -> None:
    write_article("bell.md", "Ring\x07 the \x0bbell.\n")  # YAML refuses them in frontmatter
    runner.invoke(args=["import-posts"])

    for url in ("/feed.xml", "/rss.xml"):
        assert parsed(client, url).entries[0].summary == "Ring the bell."


MATHS_BODY = "The ratio $\\frac{a}{b}$, and\n\n$$\nx_1^2 + y_1^2 = r^2\n$$\n"


def test_equations_reach_every_feed_as_mathml(app: Flask, client: FlaskClient,
                                              write_article: ArticleWriter,
                                              runner: FlaskCliRunner) -> None:
    write_article("maths.md", MATHS_BODY)
    runner.invoke(args=["import-posts"])

    # feedparser keeps MathML the way feed readers built on it do: only with its namespace.
    for url in ("/feed.xml", "/rss.xml"):
        content = parsed(client, url).entries[0].content[0].value
        assert content.count("<math ") == 2, url
        assert content.count('xmlns="http://www.w3.org/1998/Math/MathML"') == 2, url
        assert "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi></mrow></mfrac>" in content, url
        assert "<msubsup><mi>x</mi><mn>1</mn><mn>2</mn></msubsup>" in content, url
    item = json.loads(client.get("/feed.json").data)["items"][0]
    assert item["content_html"].count("<math") == 2
    assert 'display="block"' in item["content_html"]
