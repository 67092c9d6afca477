"""Compressed responses through gunicorn, as readers get them: Brotli or gzip by
``Accept-Encoding``, each coding with its own ETag and 304, ``Vary: Accept-Encoding``, the
body compressed once when the page is stored and never for a hit."""

from __future__ import annotations

import gzip
import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import brotlicffi
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image

from app.caching.encodings import MIN_BYTES
from tests.conftest import ArticleWriter
from tests.servers import Gunicorn, server_environment

LONG_BODY = "A paragraph long enough for compression to pay off. " * 80 + "\n"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def text(self) -> str:
        coding = self.headers.get("Content-Encoding")
        raw = {"br": brotlicffi.decompress, "gzip": gzip.decompress}.get(coding or "", bytes)(
            self.body)
        return raw.decode()


def get(base: str, path: str, **headers: str) -> Answer:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers={k.replace("_", "-"): v
                                                 for k, v in headers.items()})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@pytest.fixture
def server(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter, database_url: str,
           content_dir: Path, tmp_path: Path) -> Iterator[Gunicorn]:
    Image.effect_noise((64, 48), 30).convert("RGB").save(content_dir / "photo.jpg")
    write_article("long.md", LONG_BODY + "\n![A photo](photo.jpg)\n", title="A Long Post",
                  date="2025-01-01")
    for n in range(12):  # so that the sitemap and the API's list are worth compressing too
        write_article(f"short-{n}.md", title=f"Short Post {n}", date=f"2025-02-{n + 1:02d}")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    environment = server_environment(DATABASE_URL=database_url, CONTENT_DIR=str(content_dir),
                                     SITE_URL="http://blog.test")
    with Gunicorn(environment, tmp_path / "gunicorn.log", workers=1) as running:
        yield running


@pytest.mark.parametrize(("accept", "coding"), [
    ("br, gzip", "br"),
    ("gzip, deflate, br, zstd", "br"),
    ("gzip", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("identity", None),
])
def test_each_page_kind_comes_in_the_coding_the_client_accepts(server: Gunicorn, accept: str,
                                                               coding: str | None) -> None:
    for path in ("/posts/long", "/", "/feed.xml", "/sitemap.xml", "/api/v1/posts"):
        assert len(get(server.base, path).body) >= MIN_BYTES, path
        for attempt in ("miss or hit", "hit"):
            answer = get(server.base, path, Accept_Encoding=accept)
            assert answer.status == 200, (path, attempt)
            assert answer.headers.get("Content-Encoding") == coding, (path, attempt)
            assert answer.headers["Vary"] == "Accept-Encoding", path
            assert int(answer.headers["Content-Length"]) == len(answer.body)
            assert answer.text() == get(server.base, path).body.decode(), (path, coding)


def test_no_accept_encoding_gets_the_body_as_it_is(server: Gunicorn) -> None:
    answer = get(server.base, "/posts/long")
    assert answer.status == 200 and "Content-Encoding" not in answer.headers
    assert "A Long Post" in answer.body.decode()


def test_each_coding_has_its_own_etag_and_its_own_304(server: Gunicorn) -> None:
    tags = {}
    for accept in ("br", "gzip", "identity"):
        tags[accept] = get(server.base, "/posts/long", Accept_Encoding=accept).headers["ETag"]
    assert len(set(tags.values())) == 3
    assert tags["br"].endswith('-br"') and tags["gzip"].endswith('-gz"')
    for accept, tag in tags.items():
        again = get(server.base, "/posts/long", Accept_Encoding=accept, If_None_Match=tag)
        assert again.status == 304, accept
        assert again.headers["ETag"] == tag and again.body == b""
        assert again.headers["Vary"] == "Accept-Encoding"
    # A Brotli copy is no use to a client that now takes gzip only: it gets the gzip bytes.
    changed = get(server.base, "/posts/long", Accept_Encoding="gzip", If_None_Match=tags["br"])
    assert changed.status == 200 and changed.headers["Content-Encoding"] == "gzip"


def test_a_small_body_is_sent_as_it_is(server: Gunicorn) -> None:
    answer = get(server.base, "/robots.txt", Accept_Encoding="br, gzip")
    assert answer.status == 200 and len(answer.body) < 1024
    assert "Content-Encoding" not in answer.headers


def test_media_is_never_recompressed(server: Gunicorn) -> None:
    page = get(server.base, "/posts/long").body.decode()
    photo = re.search(r'<img [^>]*src="(/media/[^"]+\.jpg)"', page)
    assert photo is not None
    answer = get(server.base, photo.group(1), Accept_Encoding="br, gzip")
    assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert "Content-Encoding" not in answer.headers


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_hit_does_no_compression_work(app: Flask, runner: FlaskCliRunner,
                                        write_article: ArticleWriter,
                                        client: FlaskClient) -> None:
    write_article("long.md", LONG_BODY, title="A Long Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    with mock.patch("brotlicffi.compress", wraps=brotlicffi.compress) as compress:
        first = client.get("/posts/long", headers={"Accept-Encoding": "br"})
        hits = [client.get("/posts/long", headers={"Accept-Encoding": "br"}) for _ in range(5)]
    assert first.headers["X-Cache"] == "miss" and compress.call_count == 1
    assert all(hit.headers["X-Cache"] == "hit" for hit in hits)
    assert all(hit.data == first.data for hit in hits)
