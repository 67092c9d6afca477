"""A post written by several people is each one's: on each author page and feed, in the
byline, the feeds and the JSON-LD."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import ArticleWriter


@pytest.fixture
def shared_site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("together.md", authors="[Ada Lovelace, Charles Babbage]")
    write_article("alone.md", author="Ada Lovelace", date="2025-02-01")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


def test_each_author_page_lists_the_shared_post(shared_site: Flask) -> None:
    client = shared_site.test_client()
    ada = client.get("/authors/ada-lovelace").get_data(as_text=True)
    charles = client.get("/authors/charles-babbage").get_data(as_text=True)
    assert "/posts/together" in ada and "/posts/alone" in ada
    assert "/posts/together" in charles and "/posts/alone" not in charles


def test_each_author_feed_carries_the_shared_post(shared_site: Flask) -> None:
    feed = shared_site.test_client().get("/authors/charles-babbage/feed.xml")
    assert feed.status_code == 200
    text = feed.get_data(as_text=True)
    assert "/posts/together" in text
    assert text.count("<author>") == 2


def test_the_byline_names_everyone(shared_site: Flask) -> None:
    page = shared_site.test_client().get("/posts/together").get_data(as_text=True)
    bylines = re.findall(r'rel="author" href="([^"]+)"', page)
    assert "/authors/ada-lovelace" in bylines and "/authors/charles-babbage" in bylines


def test_the_json_ld_lists_every_author(shared_site: Flask) -> None:
    page = shared_site.test_client().get("/posts/together").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert block is not None
    data = json.loads(block.group(1))
    posting = next(item for item in (data if isinstance(data, list) else [data])
                   if item.get("@type") == "BlogPosting")
    assert [author["name"] for author in posting["author"]] == ["Ada Lovelace",
                                                                 "Charles Babbage"]


def test_the_authors_index_counts_the_shared_post_for_both(shared_site: Flask) -> None:
    index = shared_site.test_client().get("/authors/").get_data(as_text=True)
    assert "Charles Babbage" in index and "Ada Lovelace" in index


def test_json_feed_lists_both_authors(shared_site: Flask) -> None:
    feed = shared_site.test_client().get("/feed.json").get_json()
    item = next(i for i in feed["items"] if i["url"].endswith("/posts/together"))
    assert [a["name"] for a in item["authors"]] == ["Ada Lovelace", "Charles Babbage"]
