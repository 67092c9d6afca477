"""Every redirect Folio sends stays on the site, whatever Host, X-Forwarded-Host or
X-Forwarded-Prefix a client sends: Werkzeug's 308s (a missing trailing slash, doubled
slashes) and Folio's own 301s (old slugs and aliases, in every form), through the test client
and through a real gunicorn."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app import create_app
from app.extensions import db
from app.middleware import local_location
from tests.conftest import ArticleWriter
from tests.servers import Gunicorn, server_environment

SITE_URL = "https://blog.example.com"
SITE_HOST = "blog.example.com"
# (asked for, where it should lead): Werkzeug's 308s, then Folio's 301s.
REDIRECTS = [
    ("/archive", "/archive/"), ("/tags", "/tags/"), ("/categories", "/categories/"),
    ("/authors", "/authors/"), ("/archive?page=2", "/archive/?page=2"),
    ("/api//v1/posts", "/api/v1/posts"), ("/tags//python", "/tags/python"),
    ("/posts/first-name", "/posts/new-name"), ("/posts/post", "/posts/new-name"),
    ("/posts/post.md", "/posts/new-name.md"), ("/posts/first-name.json", "/posts/new-name.json"),
    ("/api/v1/posts/post", "/api/v1/posts/new-name"),
]
HOSTILE_HOSTS = [{"Host": "evil.example"}, {"Host": "evil.example:8443"},
                 {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}]
# Under PROXY_FIX=1 the forwarded headers count, and a proxy that does not set them passes
# on whatever the client sent.
HOSTILE_FORWARDED = [*HOSTILE_HOSTS, {"X-Forwarded-Host": "evil.example"},
                     {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
                     {"X-Forwarded-Host": "evil.example:443", "X-Forwarded-Port": "443"}]
HOSTILE_PREFIXES = [{"X-Forwarded-Prefix": "//evil.example"},
                    {"X-Forwarded-Prefix": "/\\evil.example"},
                    {"X-Forwarded-Prefix": "/\t/evil.example"}]

AppMaker = Callable[..., Flask]


def browser_host(location: str, page: str = SITE_URL + "/some/page") -> str:
    """The host a browser on ``page`` goes to for ``location``: it drops tabs and newlines,
    skips leading spaces and controls, and reads a backslash as a slash (WHATWG URL)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).lstrip("".join(map(chr, range(0x21))))
    return urlsplit(urljoin(page, cleaned.replace("\\", "/"))).netloc


def import_moved_post(runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    """A post renamed from ``post`` to ``new-name``, with the alias ``first-name``, tagged."""
    post = write_article("post.md", aliases="first-name", tags="Python")
    runner.invoke(args=["import-posts"])
    post.write_text(post.read_text().replace("title: Post", "title: Post\nslug: new-name"))
    assert runner.invoke(args=["import-posts"]).exit_code == 0


@pytest.fixture
def moved_post(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    import_moved_post(runner, write_article)
    return app


@pytest.fixture
def site_at(moved_post: Flask) -> Iterator[AppMaker]:
    """Apps on the ``moved_post`` database with SITE_URL=https://blog.example.com and the
    given settings."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        made.append(create_app({
            "TESTING": True, "SITE_URL": SITE_URL,
            "SQLALCHEMY_DATABASE_URI": moved_post.config["SQLALCHEMY_DATABASE_URI"],
            "CONTENT_DIR": moved_post.config["CONTENT_DIR"], **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def assert_on_site(answer: tuple[int, str | None], url: str, headers: Mapping[str, str],
                   expected: str | None) -> None:
    status, location = answer
    assert status in (301, 308), (url, headers, status)
    assert location is not None
    assert browser_host(location) == SITE_HOST, (url, headers, location)
    if expected is not None:
        assert location == expected, (url, headers)


@pytest.mark.parametrize("headers", HOSTILE_HOSTS)
def test_redirects_ignore_the_host_header(site_at: AppMaker, headers: dict[str, str]) -> None:
    client = site_at().test_client()
    for url, expected in REDIRECTS:
        response = client.get(url, headers=headers)
        assert_on_site((response.status_code, response.location), url, headers, expected)


@pytest.mark.parametrize("headers", HOSTILE_FORWARDED + HOSTILE_PREFIXES)
def test_redirects_ignore_forwarded_hosts_behind_a_proxy(site_at: AppMaker,
                                                         headers: dict[str, str]) -> None:
    client = site_at(PROXY_FIX=1).test_client()
    for url, expected in REDIRECTS:
        response = client.get(url, headers=headers)
        # A prefix is the proxy's to set: the path may carry it, but never as a host.
        wanted = None if "X-Forwarded-Prefix" in headers else expected
        assert_on_site((response.status_code, response.location), url, headers, wanted)


def test_a_prefix_from_the_proxy_is_kept(site_at: AppMaker) -> None:
    client = site_at(PROXY_FIX=1).test_client()
    response = client.get("/archive", headers={"X-Forwarded-Prefix": "/blog"})

    assert response.headers["Location"] == "/blog/archive/"


@pytest.mark.parametrize(("location", "expected"), [
    ("/posts/new-name", "/posts/new-name"),
    ("/archive/?page=2#top", "/archive/?page=2#top"),
    ("?page=2", "?page=2"),
    ("https://blog.example.com/posts/x", "https://blog.example.com/posts/x"),
    ("http://evil.example/archive/", "/archive/"),
    ("http://blog.example.com/archive/", "/archive/"),  # SITE_URL's host, not its scheme
    ("https://evil.example", "/"),
    ("//evil.example/x?y", "/x?y"),
    ("/\\evil.example/x", "/evil.example/x"),
    ("/\t/evil.example", "/evil.example"),
    ("http://[evil/archive/", "/archive/"),  # urlsplit raises on this one
    ("javascript:alert(1)", "alert(1)"),
    ("x:javascript:alert(1)", "./javascript:alert(1)"),
])
def test_local_location(location: str, expected: str) -> None:
    made = local_location(location, ("https", SITE_HOST))

    assert made == expected
    assert browser_host(made) == SITE_HOST


# --- through gunicorn ------------------------------------------------------------------------

def get(server: Gunicorn, url: str, headers: Mapping[str, str]) -> tuple[int, str | None]:
    """GET ``url`` with exactly ``headers`` (Host included); no redirect is followed."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", url, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


@pytest.fixture
def served_database(tmp_path: Path, content_dir: Path, write_article: ArticleWriter) -> str:
    """A SQLite database holding ``import_moved_post`` (one database is enough to see what
    gunicorn adds)."""
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "CONTENT_DIR": str(content_dir)})
    with app.app_context():
        db.create_all()
    import_moved_post(app.test_cli_runner(), write_article)
    with app.app_context():
        db.engine.dispose()
    return url


@pytest.mark.parametrize("proxy_fix", ["0", "1"])
def test_redirects_through_gunicorn_stay_on_the_site(served_database: str, content_dir: Path,
                                                     tmp_path: Path, proxy_fix: str) -> None:
    env = server_environment(DATABASE_URL=served_database, CONTENT_DIR=str(content_dir),
                             SITE_URL=SITE_URL, PROXY_FIX=proxy_fix, GUNICORN_ACCESS_LOG="0")
    hostile = HOSTILE_HOSTS if proxy_fix == "0" else HOSTILE_FORWARDED + HOSTILE_PREFIXES
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        for headers in hostile:
            for url, expected in REDIRECTS:
                wanted = None if "X-Forwarded-Prefix" in headers else expected
                assert_on_site(get(server, url, headers), url, headers, wanted)
