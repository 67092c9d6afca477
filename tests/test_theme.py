"""A site's own look without a fork (issue 11, point 8): instance/templates/ overrides Folio's
templates file by file, instance/static/ is served beside Folio's files, and
instance/static/css/extra.css is linked from every page; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from app.extensions import db
from tests.conftest import ArticleWriter, release_database
from tests.html import parse, text_of

DETAIL = """{% extends "folio/posts/detail.html" %}
{% block main %}<p class="theme-note">Read slowly.</p>{{ super() }}{% endblock %}
"""
EXTRA_CSS = ".post__title { color: rgb(1, 2, 3); }\n"


def make_app(database_url: str, instance: Path, content_dir: Path) -> Flask:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "CONTENT_DIR": str(content_dir), "SITE_URL": "http://blog.test"},
                     instance_path=str(instance))
    with app.app_context():
        db.create_all()
    return app


def fetch(client: FlaskClient, path: str) -> tuple[int, str, bytes]:
    """Status, type and body of a file the app sends (closed after: it is an open file)."""
    with client.get(path) as response:
        return response.status_code, response.mimetype, response.get_data()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """An instance folder with one template and one stylesheet of the site's own."""
    folder = tmp_path / "themed-instance"
    write(folder / "templates" / "posts" / "detail.html", DETAIL)
    write(folder / "static" / "css" / "extra.css", EXTRA_CSS)
    write(folder / "static" / "images" / "logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    write(folder / "config.py", "SECRET_KEY = 'not served'\n")
    return folder


@pytest.fixture
def themed(database_url: str, instance: Path, content_dir: Path,
           write_article: ArticleWriter) -> Iterator[Flask]:
    app = make_app(database_url, instance, content_dir)
    write_article("post.md", title="A Post")
    result = app.test_cli_runner().invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    yield app
    release_database(app)


def test_a_template_in_the_instance_replaces_folios(themed: Flask) -> None:
    page = parse(themed.test_client().get("/posts/post").get_data(as_text=True))

    assert text_of(page.cssselect("main .theme-note")[0]) == "Read slowly."
    assert text_of(page.cssselect("h1")[0]) == "A Post"  # the rest is Folio's, extended


def test_the_other_templates_stay_folios(themed: Flask) -> None:
    home = themed.test_client().get("/").get_data(as_text=True)

    assert "theme-note" not in home
    assert re.search(r"A(\s|&nbsp;)Post", home)  # the title's "A" is kept with its word


def test_extra_css_is_linked_after_folios_and_served(themed: Flask) -> None:
    client = themed.test_client()
    page = parse(client.get("/").get_data(as_text=True))

    sheets = [link.get("href") for link in page.cssselect("link[rel=stylesheet]")]
    assert [re.sub(r"^/assets/[0-9a-f]{12}/", "/", sheet) for sheet in sheets] == [
        "/css/site.css", "/css/pygments.css", "/css/extra.css"]
    assert fetch(client, sheets[2]) == (200, "text/css", EXTRA_CSS.encode())
    assert fetch(client, "/static/css/extra.css") == (200, "text/css", EXTRA_CSS.encode())


def test_instance_static_files_are_served_beside_folios(themed: Flask) -> None:
    client = themed.test_client()

    assert fetch(client, "/static/images/logo.svg")[2].startswith(b"<svg")
    assert fetch(client, "/static/css/site.css")[0] == 200
    assert fetch(client, "/static/images/flask-layers.svg")[0] == 200
    assert fetch(client, "/static/nothing.css")[0] == 404


@pytest.mark.parametrize("path", ["/static/../config.py", "/static/%2e%2e/config.py",
                                  "/static/..%2fconfig.py", "/static//etc/passwd"])
def test_nothing_outside_the_static_folders_is_served(themed: Flask, path: str) -> None:
    status, _, body = fetch(themed.test_client(), path)

    # A doubled slash is first merged (308, to /static/etc/passwd, itself a 404).
    assert status in (404, 308) and b"not served" not in body


def test_an_instance_file_replaces_folios_of_the_same_name(themed: Flask,
                                                           instance: Path) -> None:
    write(instance / "static" / "favicon.svg", "<svg id='mine'/>")

    assert fetch(themed.test_client(), "/static/favicon.svg")[2] == b"<svg id='mine'/>"


def test_without_extra_css_nothing_more_is_linked(app: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/").get_data(as_text=True))

    assert len(page.cssselect("link[rel=stylesheet]")) == 2
    assert app.config["THEME_FINGERPRINT"] == ""


def test_another_theme_is_another_cache_key(themed: Flask, database_url: str, instance: Path,
                                            content_dir: Path) -> None:
    before = themed.test_client().get("/posts/post")
    write(instance / "templates" / "posts" / "detail.html", DETAIL.replace("slowly", "twice"))

    after = restarted_get(database_url, instance, content_dir)

    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Read twice." in after.get_data(as_text=True)
    again = restarted_get(database_url, instance, content_dir)
    assert again.headers["ETag"] == after.headers["ETag"]


def restarted_get(database_url: str, instance: Path, content_dir: Path) -> TestResponse:
    """The post page from a new process's app on the same database."""
    app = make_app(database_url, instance, content_dir)
    response = app.test_client().get("/posts/post")
    with app.app_context():
        db.engine.dispose()
    return response


def test_an_override_cannot_loosen_the_content_security_policy(themed: Flask,
                                                               instance: Path) -> None:
    write(instance / "templates" / "archive" / "index.html",
          '{% extends "folio/base.html" %}{% block main %}<h1>Mine</h1>'
          '<script>alert(1)</script><p style="color: red">x</p>{% endblock %}')

    response = themed.test_client().get("/archive/")

    policy = response.headers["Content-Security-Policy"]
    assert "<h1>Mine</h1>" in response.get_data(as_text=True)
    assert "script-src 'none'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
