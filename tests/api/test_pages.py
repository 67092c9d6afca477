"""``/api/v1/pages``: the site's pages, which no list of posts includes, on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.pages.test_views import ABOUT, COLOPHON, HIDDEN, import_ok, pages, write_page

__all__ = ["pages"]


def test_the_list_holds_every_published_page_in_menu_order(pages: Flask,
                                                           client: FlaskClient) -> None:
    body = client.get("/api/v1/pages").json

    assert body["total"] == 2
    assert [(p["slug"], p["url"], p["menu"], p["weight"]) for p in body["items"]] == [
        ("about", "http://blog.test/about", "main", 5),
        ("colophon", "http://blog.test/about/colophon", None, None)]
    assert body["items"][1]["excerpt"] == "How the site is made."
    assert "html" not in body["items"][0]


def test_one_page_in_full(pages: Flask, client: FlaskClient) -> None:
    body = client.get("/api/v1/pages/colophon").json

    assert body["title"] == "Colophon"
    assert body["source"] == COLOPHON
    assert 'href="http://blog.test/posts/older"' in body["html"]
    assert body["toc"] == []


def test_drafts_posts_and_unknown_slugs_are_404(pages: Flask, client: FlaskClient) -> None:
    for slug in ("hidden", "newer", "nope"):
        response = client.get(f"/api/v1/pages/{slug}")
        assert response.status_code == 404, slug
        assert response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/posts/about").status_code == 404


def test_an_old_slug_moves_to_the_page(pages: Flask, client: FlaskClient,
                                       runner: FlaskCliRunner, content_dir: Path) -> None:
    write_page(content_dir, "pages/about.md", ABOUT.replace("weight: 5", "slug: who"))
    import_ok(runner)

    moved = client.get("/api/v1/pages/about")

    assert (moved.status_code, moved.headers["Location"]) == (301, "/api/v1/pages/who")


def test_no_pages_is_an_empty_list(app: Flask, client: FlaskClient, content_dir: Path,
                                   runner: FlaskCliRunner) -> None:
    write_page(content_dir, "pages/hidden.md", HIDDEN)
    import_ok(runner)

    assert client.get("/api/v1/pages").json == {"items": [], "total": 0}


@pytest.mark.parametrize(("path", "parameters"), [
    ("/api/v1/pages", {}),
    ("/api/v1/pages/{slug}", {"slug": "about"}),
    ("/api/v1/pages/{slug}", {"slug": "colophon"}),
    ("/api/v1/pages/{slug}", {"slug": "hidden"}),
])
def test_real_pages_conform_to_the_document(pages: Flask, path: str,
                                            parameters: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", pages)
    case = schema[path]["GET"].Case(path_parameters=parameters)

    case.call_and_validate()
