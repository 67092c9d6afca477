"""Each post page's other forms, ``/posts/<slug>.md`` and ``/posts/<slug>.json``, under the
page's rules: old slugs move to the same form, pruned posts are gone, the unpublished are
not found."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import SCRIPT_TITLE, XSS_ARTICLE, ArticleWriter
from tests.html import parse, text_of


def test_markdown_form_is_the_source_as_written(site: Flask, client: FlaskClient) -> None:
    response = client.get("/posts/xss.md")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.get_data(as_text=True) == XSS_ARTICLE


def test_json_form_is_the_api_document(site: Flask, client: FlaskClient) -> None:
    response = client.get("/posts/newer.json")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == client.get("/api/v1/posts/newer").json
    assert client.get("/posts/xss.json").json["title"] == SCRIPT_TITLE


def test_the_page_itself_is_unchanged(site: Flask, client: FlaskClient) -> None:
    response = client.get("/posts/newer")

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert text_of(parse(response.get_data(as_text=True)).cssselect("h1")[0]) == "The Newer Post"


@pytest.mark.parametrize("path", ["/posts/newer.md.md", "/posts/newer.json.md", "/posts/.md",
                                  "/posts/newer.MD", "/posts/newer.markdown", "/posts/newer.",
                                  "/posts/newer.md/", "/posts/Newer.md", "/posts/%00.md"])
def test_other_suffixes_are_not_a_form(site: Flask, client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("form", ["md", "json"])
@pytest.mark.parametrize("slug", ["nope", "secret", "later"])
def test_unknown_draft_and_scheduled_posts_are_404(site: Flask, client: FlaskClient,
                                                   form: str, slug: str) -> None:
    assert client.get(f"/posts/{slug}.{form}").status_code == 404


@pytest.mark.parametrize("form", ["md", "json"])
def test_old_slugs_move_to_the_same_form(app: Flask, client: FlaskClient,
                                         write_article: ArticleWriter, runner: FlaskCliRunner,
                                         form: str) -> None:
    post = write_article("post.md", aliases="first-name")
    runner.invoke(args=["import-posts"])
    post.write_text(post.read_text().replace("title: Post", "title: Post\nslug: new-name"))
    runner.invoke(args=["import-posts"])

    for old in ("first-name", "post"):
        response = client.get(f"/posts/{old}.{form}")
        assert response.status_code == 301, old
        assert response.headers["Location"] == f"/posts/new-name.{form}"
    assert client.get(f"/posts/new-name.{form}").status_code == 200


@pytest.mark.parametrize("form", ["md", "json"])
def test_a_pruned_post_is_gone_in_every_form(app: Flask, client: FlaskClient,
                                             write_article: ArticleWriter,
                                             runner: FlaskCliRunner, form: str) -> None:
    doomed = write_article("doomed.md")
    write_article("stays.md")
    runner.invoke(args=["import-posts"])
    doomed.unlink()
    runner.invoke(args=["import-posts", "--prune"])

    assert client.get(f"/posts/doomed.{form}").status_code == 410
