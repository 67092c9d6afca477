"""Acceptance: the three real blogs of ``../shared/corpora/sites`` (Jekyll, Hugo, Pelican)
move in from their root folders with one command, and nothing is lost.

Each site is imported once per module through the CLI, on SQLite (the PostgreSQL run of the
same pipeline is the fixture sites' job in tests/content/sites), then crawled over HTTP:
every post answers, every image loads, every internal link lands, every old permalink
answers 301 to its post, and no engine construct shows as text outside code.
"""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import OldAddress, Post
from tests import webcheck
from tests.conftest import CORPORA, migrate

SITES = CORPORA / "sites"
_SRC = re.compile(r'\s(?:src|srcset)="([^"]+)"')
_HREF = re.compile(r'<a\s[^>]*href="([^"]+)"')
_CODE = re.compile(r"<(pre|code)[\s>].*?</\1>", re.DOTALL)
# What each engine would have executed, left visible: Liquid and kramdown, shortcodes,
# Pelican's links. (A Pelican post about Jinja may show {% %} in its prose: Pelican ran none.)
_LEFT_CONSTRUCTS = {
    "jekyll": re.compile(r"\{%|\{\{|\{:"),
    "hugo": re.compile(r"\{\{<|\{\{%"),
    "pelican": re.compile(r"\{filename\}|\{static\}|\{attach\}|\|filename\||\{tag\}"
                          r"|\{category\}|\{author\}"),
}


class Imported:
    def __init__(self, name: str, app: Flask, output: str, exit_code: int) -> None:
        self.name = name
        self.engine = name.split("-", 1)[0]
        self.app = app
        self.output = output
        self.exit_code = exit_code
        self.client: FlaskClient = app.test_client()

    def problems(self) -> list[str]:
        return [line for line in self.output.splitlines() if ": error: " in line
                or ": warning: " in line]

    def posts(self) -> list[Post]:
        with self.app.app_context():
            return list(db.session.scalars(select(Post).where(Post.draft.is_(False))))

    def old_addresses(self) -> list[tuple[str, str]]:
        with self.app.app_context():
            rows = db.session.execute(select(OldAddress.path, Post.slug).join(
                Post, Post.id == OldAddress.post_id).where(Post.draft.is_(False),
                                                            Post.kind == "post"))
            return [(path, slug) for path, slug in rows]


def _import(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    if not SITES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SITES} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{SITES} not present")
    folder = tmp_path_factory.mktemp(name)
    url = f"sqlite:///{folder / 'site.db'}"
    migrate(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "CONTENT_DIR": str(SITES / name), "SITE_URL": "http://blog.test"})
    result = app.test_cli_runner().invoke(args=["import-posts", str(SITES / name)])
    yield Imported(name, app, result.output, result.exit_code)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def jekyll(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    yield from _import("jekyll-lil-log", tmp_path_factory)


@pytest.fixture(scope="module")
def hugo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    yield from _import("hugo-jessfraz", tmp_path_factory)


@pytest.fixture(scope="module")
def pelican(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    yield from _import("pelican-pybites", tmp_path_factory)


@pytest.fixture(params=["jekyll", "hugo", "pelican"])
def imported(request: pytest.FixtureRequest) -> Imported:
    site: Imported = request.getfixturevalue(request.param)
    return site


def _page_of(post: Post) -> str:
    return post.path if post.kind == "page" and post.path else f"/posts/{post.slug}"


def _lands(client: FlaskClient, address: str, hops: int = 5) -> int:
    """The status a reader ends on, following Folio's redirects."""
    response = client.get(address)
    while response.status_code in (301, 302, 308) and hops:
        address = urljoin(address, response.headers["Location"])
        response = client.get(address)
        hops -= 1
    return response.status_code


# The files each site's posts reference that are really missing from its public snapshot.
# (lil-log and pybites also link to other sites without https://, read as files: broken on
# the old site too.)
MISSING_FILES = {"jekyll-lil-log": 7, "hugo-jessfraz": 3, "pelican-pybites": 6}
_MISSING_FILE = re.compile(r": error: '[^']+': there is no file ")


def _missing(imported: Imported) -> list[str]:
    return [line for line in imported.problems() if _MISSING_FILE.search(line)]


# Links in the source to a part of a post that has no such heading (there either; pybites
# links to its theme's #disqus_thread).
MISSING_ANCHORS = {"jekyll-lil-log": 3, "hugo-jessfraz": 0, "pelican-pybites": 1}
_MISSING_ANCHOR = re.compile(r": warning: link to '[^']+': \S+ has no heading or element with "
                             "the id ")


# Pages at an address Folio's own pages use (pybites' /search), moved to /pages/<slug>.
MOVED_PAGES = {"jekyll-lil-log": 0, "hugo-jessfraz": 0, "pelican-pybites": 1}
_MOVED_PAGE = re.compile(r": warning: the page's address \S+ is under /\S+, which Folio's own ")


def test_the_engine_is_recognised_and_every_problem_is_something_missing(
        imported: Imported) -> None:
    assert f"Site: {imported.engine}, recognised by " in imported.output
    missing = _missing(imported)
    anchors = [line for line in imported.problems() if _MISSING_ANCHOR.search(line)]
    moved = [line for line in imported.problems() if _MOVED_PAGE.search(line)]
    assert len(moved) == MOVED_PAGES[imported.name], moved
    assert len(missing) == MISSING_FILES[imported.name], missing
    assert len(anchors) == MISSING_ANCHORS[imported.name], anchors
    assert [line for line in imported.problems()
            if line not in missing + anchors + moved] == []


# What each engine publishes from the snapshot (its drafts apart): posts and pages.
PUBLISHED = {"jekyll-lil-log": (37, 3), "hugo-jessfraz": (72, 0), "pelican-pybites": (394, 37)}


def test_every_post_and_page_the_engine_published_is_there(imported: Imported) -> None:
    kinds = [post.kind for post in imported.posts()]
    assert (kinds.count("post"), kinds.count("page")) == PUBLISHED[imported.name]


def test_every_post_and_page_answers(imported: Imported) -> None:
    posts = imported.posts()
    assert posts
    failing = [_page_of(p) for p in posts if imported.client.get(_page_of(p)).status_code != 200]
    assert failing == []


def test_every_image_loads(imported: Imported) -> None:
    broken: set[str] = set()
    for post in imported.posts():
        page = imported.client.get(_page_of(post)).get_data(as_text=True)
        for value in _SRC.findall(page):
            for candidate in html.unescape(value).split(","):
                src = candidate.strip().split(" ")[0]
                if not src or urlsplit(src).netloc or src.startswith("data:"):
                    continue
                if imported.client.get(src).status_code != 200:
                    broken.add(f"{_page_of(post)} -> {src}")
    # Each image that does not load is one the source lacks, reported as such.
    assert len(broken) <= len(_missing(imported)), sorted(broken)[:20]


def test_every_internal_link_lands(imported: Imported) -> None:
    broken = []
    for post in imported.posts():
        page = imported.client.get(_page_of(post)).get_data(as_text=True)
        for href in {html.unescape(h) for h in _HREF.findall(page)}:
            parts = urlsplit(href)
            if parts.netloc or parts.scheme or not parts.path.startswith("/"):
                continue
            if _lands(imported.client, parts.path) != 200 and not _reported(imported, href):
                broken.append(f"{_page_of(post)} -> {href}")
    assert broken == []


def _reported(imported: Imported, href: str) -> bool:
    """Whether the import reported ``href`` as leading to something missing from the source
    (a file, or an article)."""
    return any(f"'{href}'" in line for line in imported.problems())


def test_no_engine_construct_shows_outside_code(imported: Imported) -> None:
    shown = []
    for post in imported.posts():
        visible = _CODE.sub("", post.html)
        found = _LEFT_CONSTRUCTS[imported.engine].search(visible)
        if found:
            shown.append(f"{post.source_path}: {visible[found.start():found.start() + 60]!r}")
    assert shown == []


def test_every_old_permalink_answers_301_to_its_post(imported: Imported) -> None:
    addresses = imported.old_addresses()
    assert addresses
    wrong = []
    for path, slug in addresses:
        response = imported.client.get(path)
        if response.status_code != 301 or response.headers["Location"] != f"/posts/{slug}":
            wrong.append((path, response.status_code, response.headers.get("Location")))
    assert wrong == []


def test_every_post_page_validates(imported: Imported) -> None:
    pages = {_page_of(post): imported.client.get(_page_of(post)).get_data(as_text=True)
             for post in imported.posts()}
    invalid = {name: errors for name, errors in webcheck.vnu_errors(pages).items() if errors}
    assert invalid == {}


def _richest(imported: Imported) -> Post:
    """The post with the most of what a reader's eyes meet: images, code, maths, tables."""
    def weight(post: Post) -> int:
        return sum(post.html.count(mark) for mark in ("<img", "<pre", "<math", "<table"))
    return max((p for p in imported.posts() if p.kind == "post"), key=weight)


def test_the_richest_post_passes_axe(imported: Imported, browser: Browser) -> None:
    server = make_server("127.0.0.1", 0, imported.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.port}{_page_of(_richest(imported))}")
        assert webcheck.format_violations(webcheck.axe_violations(page)) == ""
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
