"""Old addresses answer 301 at the exact path the old site used, whatever the spelling of its
trailing slash; Folio's own routes always win; a post that leaves the site takes its old
addresses with it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import OldAddress
from tests.conftest import ArticleWriter


@pytest.fixture
def moved_site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("hello.md", redirect_from="[/legit/old-path/, /2019/05/01/hello.html]")
    write_article("draft.md", draft="true", aliases="/old/draft/")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("path", ["/legit/old-path/", "/legit/old-path",
                                  "/legit/old-path/index.html", "/2019/05/01/hello.html"])
def test_an_alias_path_answers_301_at_exactly_that_path(moved_site: Flask, path: str) -> None:
    response = moved_site.test_client().get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == "/posts/hello"


def test_the_slug_an_alias_path_ends_in_still_leads_to_the_post(moved_site: Flask) -> None:
    response = moved_site.test_client().get("/posts/old-path")
    assert (response.status_code, response.headers["Location"]) == (301, "/posts/hello")


def test_an_old_address_of_a_post_readers_cannot_see_is_404(moved_site: Flask) -> None:
    assert moved_site.test_client().get("/old/draft/").status_code == 404


def test_an_unknown_path_is_still_404(moved_site: Flask) -> None:
    assert moved_site.test_client().get("/legit/other-path/").status_code == 404


def test_a_post_method_on_an_old_address_is_not_redirected(moved_site: Flask) -> None:
    assert moved_site.test_client().post("/legit/old-path/").status_code in (404, 405)


def test_removing_the_alias_removes_the_old_address(
        moved_site: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("hello.md", redirect_from="/2019/05/01/hello.html")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = moved_site.test_client()
    assert client.get("/legit/old-path/").status_code == 404
    assert client.get("/2019/05/01/hello.html").status_code == 301


def test_pruning_the_post_removes_its_old_addresses(
        moved_site: Flask, runner: FlaskCliRunner, content_dir) -> None:  # type: ignore[no-untyped-def]
    (content_dir / "hello.md").unlink()
    assert runner.invoke(args=["import-posts", "--prune"]).exit_code == 0
    with moved_site.app_context():
        assert db.session.query(OldAddress).filter_by(path="/2019/05/01/hello.html").count() == 0


def test_folio_routes_win_over_an_old_address(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("hello.md", redirect_from="[/tags/, /archive/]")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    assert client.get("/tags/").status_code == 200
    assert client.get("/archive/").status_code == 200
