"""/search on SQLite (FTS5) and PostgreSQL (tsvector): relevance, snippets, filters, safety."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import ArticleWriter
from tests.html import parse, text_of

HOSTILE = ["", "a", "x" * 5000, '"', '""', "AND", "OR", "NEAR", "*", "a AND b OR NEAR(c d)",
           "title:x", "{title}: x", "-x", "^x", "'; DROP TABLE posts; --", "1' OR '1'='1",
           "<script>alert(1)</script>", "🙂", "שלום עולם", "\u202eevil", "%", "_", "\\",
           "MATCH", "a" * 300 + " b", "((((", "c++", "C#", "%27"]


@pytest.fixture
def searchable(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("body.md", "We talk about caching strategies here.\n", date="2025-03-01",
                  title="A Post About Other Things", tags="Ops")
    write_article("title.md", "Nothing relevant in the body.\n", date="2024-01-01",
                  title="Caching Explained", tags="Performance", category="Guides")
    write_article("tagged.md", "Plain text.\n", date="2025-01-01", title="Tagged Only",
                  tags="Caching")
    write_article("secret.md", "caching secrets\n", title="Draft Caching", draft="true")
    write_article("other.md", "Something about walled gardens and <b>roses</b>.\n",
                  date="2023-05-05", title="Gardens", category="Guides")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    return app


def titles(client: FlaskClient, **params: str) -> list[str]:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    return [text_of(a) for a in parse(response.get_data(as_text=True)).cssselect(
        ".search-result h2 a")]


def test_title_matches_come_first_and_drafts_never(searchable: Flask,
                                                   client: FlaskClient) -> None:
    found = titles(client, q="caching")

    assert found[0] == "Caching Explained"
    assert set(found) == {"Caching Explained", "Tagged Only", "A Post About Other Things"}


def test_stemming_and_prefixes(searchable: Flask, client: FlaskClient) -> None:
    assert "Caching Explained" in titles(client, q="cached")  # same stem
    assert "Gardens" in titles(client, q="gard")  # a word being typed
    assert titles(client, q='"walled gardens"') == ["Gardens"]
    assert titles(client, q='"gardens walled"') == []


def test_every_word_must_match(searchable: Flask, client: FlaskClient) -> None:
    assert titles(client, q="caching gardens") == []


def test_snippets_mark_the_words_and_escape_the_text(searchable: Flask,
                                                     client: FlaskClient) -> None:
    page = parse(client.get("/search?q=roses").get_data(as_text=True))
    snippet = page.cssselect(".search-result__snippet")[0]

    assert [text_of(m) for m in snippet.cssselect("mark")] == ["roses"]
    assert not snippet.cssselect("b")  # the post's own markup is text here


def test_narrowed_to_a_tag_or_category(searchable: Flask, client: FlaskClient) -> None:
    assert titles(client, q="caching", tag="caching") == ["Tagged Only"]
    assert titles(client, q="caching", category="guides") == ["Caching Explained"]
    assert titles(client, q="caching", tag="no-such-tag") == []


def test_results_paginate(searchable: Flask, client: FlaskClient) -> None:
    searchable.config["POSTS_PER_PAGE"] = 2

    first, second = titles(client, q="caching"), titles(client, q="caching", page="2")

    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert client.get("/search?q=caching&page=3").status_code == 404
    assert client.get("/search?q=caching&page=x").status_code == 404


@pytest.mark.parametrize("query", HOSTILE)
def test_any_query_is_safe(searchable: Flask, client: FlaskClient, query: str) -> None:
    response = client.get("/search", query_string={"q": query})

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body
    if query.strip() and not parse(body).cssselect(".search-result"):
        assert "Nothing found" in body or "Type a few words" in body


def test_nothing_found_shows_the_query_escaped(searchable: Flask, client: FlaskClient) -> None:
    body = client.get("/search", query_string={"q": "<i>zebra</i>"}).get_data(as_text=True)

    assert "Nothing found for “&lt;i&gt;zebra&lt;/i&gt;”" in body


def test_index_follows_each_import(searchable: Flask, client: FlaskClient,
                                   runner: FlaskCliRunner, write_article: ArticleWriter,
                                   content_dir: Path) -> None:
    write_article("other.md", "Now about tulips.\n", date="2023-05-05", title="Gardens")
    (content_dir / "title.md").unlink()
    assert runner.invoke(args=["import-posts", "--prune"]).exit_code == 0

    assert titles(client, q="tulips") == ["Gardens"]
    assert titles(client, q="roses") == []
    assert "Caching Explained" not in titles(client, q="caching")


def test_search_form_in_header_and_on_404(searchable: Flask, client: FlaskClient) -> None:
    for url in ("/", "/no/such/page"):
        page = parse(client.get(url).get_data(as_text=True))
        form = page.cssselect('form[role="search"]')[0]
        assert form.get("action") == "/search" and form.cssselect('input[name="q"]')
    # One search box on the 404: the page's own, none in the header above it.
    missing = parse(client.get("/no/such/page").get_data(True))
    assert [form.cssselect("input")[0].get("id") for form in missing.cssselect("form")] == [
        "error-search-q"]


def test_opensearch_description(searchable: Flask, client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")
    home = parse(client.get("/").get_data(as_text=True))

    assert response.mimetype == "application/opensearchdescription+xml"
    assert 'template="http://blog.test/search?q={searchTerms}"' in response.get_data(True)
    assert home.cssselect('link[rel="search"]')[0].get("href") == "/opensearch.xml"


def test_search_results_have_a_feed(searchable: Flask, client: FlaskClient) -> None:
    feed = feedparser.parse(client.get("/search/feed.xml?q=caching").data)

    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["A Post About Other Things", "Tagged Only",
                                               "Caching Explained"]  # newest first
    assert feedparser.parse(client.get("/search/feed.xml?q=").data).entries == []
