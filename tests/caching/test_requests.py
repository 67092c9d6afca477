"""``If-None-Match`` read one way: the WSGI fast path and Flask's hooks answer every header alike,
as Werkzeug parses it (lists, weak tags, ``*``), and a header that merely contains the ETag
somewhere is not a match."""

from __future__ import annotations

import pytest
from flask import Flask, request_started
from flask.testing import FlaskCliRunner

from app.caching.requests import none_match
from tests.conftest import ArticleWriter

ETAG = '"0123abcd"'

# {etag} is the page's ETag as served (quoted), {tag} the same without its quotes.
TRICKY_HEADERS = [
    ("{etag}", True),
    ('"other", {etag}', True),  # a list
    ('W/"other",W/{etag}', True),  # weak: a GET compares weakly
    ("*", True),
    ("{tag}", True),  # unquoted, as some clients send it: Werkzeug reads it as a tag
    ('"other"', False),
    ('"{tag}-old"', False),  # ours is a prefix of another tag
    ('"x{tag}"', False),  # ours is a suffix of another tag
    ("junk{etag}junk", False),  # garbage around it: no tag at all
    ("{etag}junk", False),
    ("not-a-tag", False),
]


@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("", None),
    ("junk{etag}junk", None),  # no tag in it: the dates decide, as without the header
    ("{etag}", True),
    ("W/{etag}", True),
    ("*", True),
    ('"{tag}0"', False),
])
def test_none_match(header: str | None, expected: bool | None) -> None:
    filled = header.format(etag=ETAG, tag=ETAG.strip('"')) if header is not None else None

    assert none_match(filled, ETAG) is expected


@pytest.fixture
def stored_page(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> str:
    """The ETag of /posts/first, whose page is in the cache."""
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    first = app.test_client().get("/posts/first")
    assert first.headers["X-Cache"] == "miss"
    return str(first.headers["ETag"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the fast path's database
@pytest.mark.parametrize(("header", "modified"), [(h, not m) for h, m in TRICKY_HEADERS])
def test_both_paths_answer_if_none_match_alike(app: Flask, stored_page: str, header: str,
                                               modified: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sent = {"If-None-Match": header.format(etag=stored_page, tag=stored_page.strip('"'))}
    started: list[object] = []
    request_started.connect(lambda sender, **kw: started.append(sender), app, weak=False)

    fast = app.test_client().get("/posts/first", headers=sent)
    assert started == []  # answered in front of Flask
    # A tracker that cannot vouch for its state sends every request through Flask's hooks.
    monkeypatch.setattr(app.extensions["folio_content_state"], "peek", lambda: None)
    slow = app.test_client().get("/posts/first", headers=sent)
    assert started != []

    expected = 200 if modified else 304
    assert (fast.status_code, slow.status_code) == (expected, expected)
    assert fast.headers["ETag"] == slow.headers["ETag"] == stored_page
    assert fast.data == slow.data and (fast.data == b"") != modified
