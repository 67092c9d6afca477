"""The minimal pages: the home list and one post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import ArticleWriter

BODY = """Opening paragraph.

## Code

```python
def greet(name: str) -> str:
    return f"hello {name}"
```
"""


@pytest.fixture
def site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("older.md", date="2025-01-01", title="The Older Post")
    write_article("newer.md", BODY, date="2025-06-01", title="The Newer Post",
                  author="Grace Hopper", category="Compilers", tags="Python, Tools",
                  read_time="4 min", image="/static/images/flask-layers.svg")
    write_article("secret.md", draft="true", title="A Draft")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    write_article("later.md", date=tomorrow, title="Scheduled")
    write_article("xss.md", raw="---\ntitle: '<script>alert(1)</script>'\ndate: 2024-01-01\n"
                  "author: '<b>Mallory</b>'\ntags: <i>t</i>\n---\n\n<script>alert(2)</script>ok\n")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


def test_home_lists_published_posts_newest_first(site: Flask, client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    assert page.index("The Newer Post") < page.index("The Older Post")
    assert "A Draft" not in page and "Scheduled" not in page
    assert '<a href="/posts/newer">' in page
    assert '<time datetime="2025-06-01T00:00:00+00:00">June 1, 2025</time>' in page


def test_post_page_shows_the_post(site: Flask, client: FlaskClient) -> None:
    response = client.get("/posts/newer")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>The Newer Post</h1>" in page
    for text in ("Grace Hopper", "Compilers", "Python", "Tools", "4 min read", "June 1, 2025"):
        assert text in page
    assert '<img class="hero" src="/static/images/flask-layers.svg"' in page
    assert '<div class="highlight">' in page and '<span class="k">def</span>' in page
    assert "pygments.css" in page


@pytest.mark.parametrize("slug", ["nope", "secret", "later"])
def test_unknown_draft_and_future_posts_are_404(site: Flask, client: FlaskClient,
                                                slug: str) -> None:
    response = client.get(f"/posts/{slug}")

    assert response.status_code == 404
    assert "Back to the home page" in response.get_data(as_text=True)


def test_frontmatter_values_are_escaped(site: Flask, client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    post = client.get("/posts/xss").get_data(as_text=True)

    for page in (home, post):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>Mallory</b>" not in page
    assert "alert(2)" not in post


@pytest.mark.parametrize("page", ["0", "-1", "99"])
def test_pages_out_of_range_are_404(site: Flask, client: FlaskClient, page: str) -> None:
    assert client.get(f"/?page={page}").status_code == 404


def test_empty_site_explains_how_to_publish(app: Flask, client: FlaskClient) -> None:
    assert "flask import-posts" in client.get("/").get_data(as_text=True)
