"""Every page costs a small, fixed number of SQL statements, however big the blog grows.

The same pages are measured on a small blog and on one four times larger with many more
tags, categories and authors; an N+1 pattern shows up as a difference. (The ``app`` fixture
separately fails any test whose templates run SQL.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event

from app import queries
from app.extensions import db
from tests.conftest import ArticleWriter, QueryCounter

PAGES = ["/", "/?page=2", "/posts/post-0", "/posts/post-0-old", "/tags/", "/tags/common",
         "/categories/", "/categories/cat-0", "/authors/", "/authors/writer-0", "/archive/",
         "/feed.xml", "/rss.xml", "/feed.json", "/tags/common/feed.xml", "/sitemap.xml",
         "/robots.txt", "/posts/missing", "/search?q=body", "/search?q=body&tag=common",
         "/search/feed.xml?q=body"]
# A search narrowed to a tag is the dearest: the tag, the listing's existence check, the count,
# the ranked ids, their snippets, the cards, their authors (a post has several since issue 12:
# one batched statement for the page), their tags, and the menu.
MOST_STATEMENTS = 9


def write_blog(write_article: ArticleWriter, posts: int) -> None:
    for n in range(posts):
        # Every post links to the first, so its page shows them all under "Mentioned in".
        write_article(f"post-{n}.md", "Body text, after [the first](post-0.md#a).\n\n## A\n\n"
                      "## B\n\n## C\n",
                      title=f"Post {n}", date=f"20{10 + n % 15}-0{1 + n % 9}-1{n % 10}",
                      author=f"Writer {n % (posts // 3)}", category=f"Cat {n % (posts // 4)}",
                      tags=f"common, tag {n}, tag {n + 1}, pair {n // 2}",
                      aliases=f"post-{n}-old")


def statements_per_page(app: Flask, client: FlaskClient) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        with QueryCounter(app) as counter:
            response = client.get(url)
        assert response.status_code in (200, 301, 404), (url, response.status_code)
        counts[url] = counter.count
    return counts


def test_pages_cost_the_same_on_a_bigger_blog(app: Flask, client: FlaskClient,
                                              runner: FlaskCliRunner,
                                              write_article: ArticleWriter) -> None:
    app.config["POSTS_PER_PAGE"] = 5
    app.config["CACHE_DISABLED"] = True  # the pages' own cost (caching is tested on its own)
    write_blog(write_article, 12)
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    small = statements_per_page(app, client)

    write_blog(write_article, 48)
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    large = statements_per_page(app, client)

    assert large == small, (small, large)
    assert max(small.values()) <= MOST_STATEMENTS, small


def test_a_cached_page_costs_no_sql_on_sqlite_and_one_statement_on_a_server(
        app: Flask, client: FlaskClient, runner: FlaskCliRunner,
        write_article: ArticleWriter) -> None:
    write_blog(write_article, 12)
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client.get("/posts/post-0")

    with QueryCounter(app) as counter:
        assert client.get("/posts/post-0").headers["X-Cache"] == "hit"

    # SQLite: the version file beside the database says nothing changed. A server database
    # without Redis is asked for the version (with Redis: the Redis key, no SQL).
    assert counter.count == (0 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
                             else 1)


def query_plans(app: Flask, run: Callable[[], object]) -> list[str]:
    """SQLite's plan of each statement ``run`` executes, as EXPLAIN QUERY PLAN words it."""
    executed: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        executed.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            run()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        with db.engine.connect() as connection:
            return [" / ".join(str(row[-1]) for row in connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters))
                    for statement, parameters in executed]


@pytest.mark.parametrize("listing", ["sitemap_posts", "archive_entries", "public_post_summary"])
def test_listings_of_every_post_read_the_index_alone(app: Flask, runner: FlaskCliRunner,
                                                     write_article: ArticleWriter,
                                                     listing: str) -> None:
    """On SQLite a post's row holds its source and HTML, and a column stored after them is
    read through the row's overflow pages: at 10,000 posts the sitemap read 300 MB. The
    listings of every post read the covering index ix_posts_listed instead."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL keeps long values out of the row (TOAST): no overflow pages")
    write_blog(write_article, 12)
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    plans = query_plans(app, getattr(queries, listing))

    assert plans and all("USING COVERING INDEX ix_posts_listed" in plan for plan in plans), plans
