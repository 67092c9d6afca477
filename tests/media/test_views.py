"""``/media/<digest>/<name>``: the files articles reference, served from the database with a
year's immutable caching and their own types; on SQLite and PostgreSQL, in one process and
across two that share nothing but a PostgreSQL database."""

from __future__ import annotations

import io
import os
import re
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image

from app.media.serving import FILES, IMMUTABLE, SVG_POLICY
from tests.conftest import ArticleWriter, drop_database, make_database
from tests.servers import Gunicorn, flask_command, server_environment

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>x()</script></svg>'


def jpeg(colour: str = "teal", size: tuple[int, int] = (1200, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def put(folder: Path, name: str, data: bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - 60
    os.utime(path, (old, old))


@pytest.fixture
def with_media(app: Flask, runner: FlaskCliRunner, content_dir: Path,
               write_article: ArticleWriter) -> Flask:
    put(content_dir, "post/photo.jpg", jpeg())
    put(content_dir, "post/drawing.svg", SVG)
    put(content_dir, "post/notes.html", b"<script>alert(1)</script>")
    put(content_dir, "post/data.bin.zip", b"PK\x03\x04 not really")
    write_article("post/index.md", "![Photo](photo.jpg)\n\n![Drawing](drawing.svg)\n\n"
                  "[zip](data.bin.zip)\n", image="photo.jpg")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


def addresses(client: FlaskClient) -> dict[str, str]:
    page = client.get("/posts/post").get_data(as_text=True)
    found = re.findall(r'(?:src|href)="(/media/[0-9a-f]{32}/[^"]+)"', page)
    found += re.findall(r"(/media/[0-9a-f]{32}/\S+) \d+w", page)
    return {address.rsplit("/", 1)[1]: address for address in found}


def test_every_file_of_a_page_is_served_with_its_type_and_cached_for_a_year(
        with_media: Flask, client: FlaskClient) -> None:
    files = addresses(client)

    assert {"photo.jpg", "photo-480w.webp", "photo-960w.jpg", "drawing.svg",
            "data.bin.zip"} <= set(files)
    for name, address in files.items():
        response = client.get(address)
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["ETag"]
    assert client.get(files["photo.jpg"]).headers["Content-Type"] == "image/jpeg"
    assert client.get(files["photo-480w.webp"]).headers["Content-Type"] == "image/webp"
    served = Image.open(io.BytesIO(client.get(files["photo-960w.jpg"]).data))
    assert served.size == (960, 480)


def test_an_svg_may_run_nothing_and_an_unknown_file_is_a_download(
        with_media: Flask, client: FlaskClient) -> None:
    files = addresses(client)

    svg = client.get(files["drawing.svg"])
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.headers["Content-Security-Policy"] == SVG_POLICY
    download = client.get(files["data.bin.zip"])
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"] == 'attachment; filename="data.bin.zip"'


def test_304_head_and_ranges_on_both_paths(with_media: Flask, client: FlaskClient) -> None:
    address = addresses(client)["photo.jpg"]
    cache = with_media.extensions[FILES]

    for _ in ("from the database", "from memory"):
        full = client.get(address)
        assert client.get(address, headers={"If-None-Match": full.headers["ETag"]}
                          ).status_code == 304
        head = client.head(address)
        assert head.data == b"" and head.headers["Content-Length"] == str(len(full.data))
        part = client.get(address, headers={"Range": "bytes=0-9"})
        assert (part.status_code, part.data) == (206, full.data[:10])
        assert cache.get(address[len("/media/"):]) is not None


@pytest.mark.parametrize("address", [
    "/media/" + "0" * 32 + "/photo.jpg", "/media/not-a-digest/photo.jpg", "/media/",
    "/media/" + "0" * 32,
])
def test_an_unknown_file_is_a_404_page(with_media: Flask, client: FlaskClient,
                                       address: str) -> None:
    response = client.get(address)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers.get("Cache-Control") != IMMUTABLE


def test_the_hero_card_and_link_preview_use_the_variants(with_media: Flask,
                                                         client: FlaskClient) -> None:
    page = client.get("/posts/post").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)

    hero = re.search(r'<figure class="post__hero">(.*?)</figure>', page, re.DOTALL)
    assert hero is not None and 'width="1200" height="600"' in hero.group(1)
    assert '<source type="image/webp"' in hero.group(1)
    preview = re.search(r'<meta property="og:image" content="([^"]+)"', page)
    assert preview is not None and preview.group(1).startswith("http://blog.test/media/")
    card = re.search(r'<a class="post-card__image"[^>]*>(.*?)</a>', home, re.DOTALL)
    assert card is not None and 'srcset="' in card.group(1) and 'loading="lazy"' in card.group(1)


def test_feeds_and_the_api_carry_absolute_media_addresses(with_media: Flask,
                                                          client: FlaskClient) -> None:
    post = client.get("/api/v1/posts/post").json
    feed = client.get("/feed.xml").get_data(as_text=True)

    assert re.match(r"http://blog\.test/media/[0-9a-f]{32}/photo\.jpg", post["image"])
    srcset = re.search(r'srcset="([^"]+)"', post["html"])
    assert srcset is not None
    assert all(c.strip().startswith("http://blog.test/media/")
               for c in srcset.group(1).split(","))
    assert "http://blog.test/media/" in feed


def raw(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers["Content-Type"]


@pytest.fixture
def shared_database() -> Iterator[str]:
    name = f"folio_media_{uuid.uuid4().hex[:8]}"
    yield make_database(name)
    drop_database(name)


def test_two_servers_sharing_only_postgresql_serve_each_others_files(
        shared_database: str, tmp_path: Path) -> None:
    """Two containers: each its own content folder and processes; an import by either one is
    served by both, with no shared volume and no copy step."""
    sites = []
    for name, colour in (("first", "red"), ("second", "blue")):
        content = tmp_path / name / "content"
        put(content, f"{name}/photo.jpg", jpeg(colour, (300, 200)))
        (content / name / "index.md").write_text(
            f"---\ntitle: {name}\ndate: 2025-01-01\n---\n![p](photo.jpg)\n")
        sites.append(server_environment(
            DATABASE_URL=shared_database, CONTENT_DIR=str(content),
            SITE_URL="http://blog.test"))
    migrated = flask_command(sites[0], "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    servers = [Gunicorn(env, tmp_path / f"server-{n}.log", workers=1).start()
               for n, env in enumerate(sites)]
    try:
        for env in sites:
            done = flask_command(env, "import-posts")
            assert done.returncode == 0, done.stdout + done.stderr
        for importer, name in enumerate(("first", "second")):
            other = servers[1 - importer]
            page = raw(f"{other.base}/posts/{name}")[1].decode()
            address = re.search(r'src="(/media/[0-9a-f]{32}/photo\.jpg)"', page)
            assert address is not None, page
            status, body, kind = raw(other.base + address.group(1))
            assert (status, kind) == (200, "image/jpeg")
            assert Image.open(io.BytesIO(body)).size == (300, 200)
    finally:
        for server in servers:
            server.stop()
