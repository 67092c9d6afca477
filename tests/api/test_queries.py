"""Every API call costs a small, fixed number of SQL statements, however big the blog grows
(the same method as tests/test_queries.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import ArticleWriter, QueryCounter
from tests.test_queries import write_blog

URLS = ["/api/v1/posts?per_page=5", "/api/v1/posts?per_page=5&page=2",
        "/api/v1/posts?per_page=5&tag=common",
        "/api/v1/posts?per_page=5&tag=common&category=cat-0&author=writer-0",
        "/api/v1/posts?per_page=5&published_after=2012-01-01&published_before=2020-01-01",
        "/api/v1/posts?per_page=5&q=post",
        "/api/v1/posts?per_page=5&q=body&tag=common&category=cat-0",
        "/api/v1/posts/post-0", "/api/v1/posts/post-0-old", "/api/v1/posts/missing",
        "/api/v1/tags", "/api/v1/categories", "/api/v1/authors", "/posts/post-0.json",
        "/posts/post-0.md", "/posts/post-0-old.md"]
# The most: a search narrowed by tag and category, which looks both up twice (here, to answer
# 404 for one that names nothing, and inside search_posts).
MOST_STATEMENTS = 14


def statements_per_call(app: Flask, client: FlaskClient) -> dict[str, int]:
    counts = {}
    for url in URLS:
        with QueryCounter(app) as counter:
            response = client.get(url)
        assert response.status_code in (200, 301, 404), (url, response.status_code)
        counts[url] = counter.count
    return counts


def test_api_calls_cost_the_same_on_a_bigger_blog(app: Flask, client: FlaskClient,
                                                  runner: FlaskCliRunner,
                                                  write_article: ArticleWriter) -> None:
    # The calls' own cost: the cache's (a content-state load after an import, a periodic
    # version check) is tested on its own, and depends on when the calls happen.
    app.config["CACHE_DISABLED"] = True
    write_blog(write_article, 12)
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    small = statements_per_call(app, client)

    write_blog(write_article, 48)
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    large = statements_per_call(app, client)

    assert large == small, (small, large)
    assert max(small.values()) <= MOST_STATEMENTS, small
