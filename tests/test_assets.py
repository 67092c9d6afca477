"""Static files at content-hashed addresses (app.assets): linked from every page, kept a year,
compressed once at start-up, and an old deploy's address still answering."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotlicffi
import pytest
from flask.testing import FlaskClient

from app import create_app
from app.assets import IMMUTABLE, SUPERSEDED, asset_url

SITE_CSS = Path(__file__).resolve().parent.parent / "app" / "static" / "css" / "site.css"
HASHED = re.compile(r'href="(/assets/([0-9a-f]{12})/css/site\.css)"')


def linked_stylesheet(client: FlaskClient) -> tuple[str, str]:
    found = HASHED.search(client.get("/").get_data(as_text=True))
    assert found is not None
    return found.group(1), found.group(2)


def test_pages_link_the_stylesheet_by_the_hash_of_its_bytes(client: FlaskClient) -> None:
    address, digest = linked_stylesheet(client)
    assert digest == hashlib.sha256(SITE_CSS.read_bytes()).hexdigest()[:12]
    response = client.get(address)
    assert response.status_code == 200 and response.data == SITE_CSS.read_bytes()
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/css"


@pytest.mark.parametrize(("accept", "coding", "decompress"), [
    ("br, gzip", "br", brotlicffi.decompress), ("gzip", "gzip", gzip.decompress)])
def test_the_stylesheet_comes_compressed_with_its_own_etag_and_304(
        client: FlaskClient, accept: str, coding: str, decompress: object) -> None:
    address, digest = linked_stylesheet(client)
    response = client.get(address, headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == coding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert decompress(response.data) == SITE_CSS.read_bytes()  # type: ignore[operator]
    etag = response.headers["ETag"]
    assert etag.startswith(f'"{digest}-')
    again = client.get(address, headers={"Accept-Encoding": accept, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Cache-Control"] == IMMUTABLE


def test_an_old_deploys_address_still_gets_the_stylesheet_briefly(client: FlaskClient) -> None:
    response = client.get("/assets/000000000000/css/site.css")
    assert response.status_code == 200 and response.data == SITE_CSS.read_bytes()
    assert response.headers["Cache-Control"] == SUPERSEDED


def test_an_unknown_file_is_404(client: FlaskClient) -> None:
    assert client.get("/assets/000000000000/css/nothing.css").status_code == 404
    assert client.get("/assets/000000000000/../config.py").status_code == 404


def test_a_changed_stylesheet_changes_its_address_and_every_cached_page(
        tmp_path: Path, database_url: str) -> None:
    def linked_after_restart(css: str) -> tuple[str, str]:
        """The stylesheet's address and the assets' part of every cache key, after a restart
        with the site's own site.css (instance/static/) holding ``css``."""
        folder = tmp_path / "static" / "css"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "site.css").write_text(css, encoding="utf-8")
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url},
                         instance_path=str(tmp_path))
        with app.test_request_context():
            return asset_url("css/site.css"), app.config["ASSETS_FINGERPRINT"]

    red, blue = linked_after_restart("body { color: red }"), linked_after_restart(
        "body { color: blue }")
    assert red[0] != blue[0] and red[1] != blue[1]
    assert red[0].endswith("/css/site.css") and blue[0].endswith("/css/site.css")
