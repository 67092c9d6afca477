"""CDN-ready caching: ``CDN_MAX_AGE`` lets a shared cache keep public pages (``s-maxage``),
never errors or media; the purge hook gets the addresses an import changed; and through a real
Varnish in front of gunicorn, an import's change reaches the reader at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app import create_app
from app.caching.requests import BROWSER_CACHING
from app.extensions import db
from tests.conftest import ArticleWriter
from tests.servers import Gunicorn, fetch, flask_command, free_port, server_environment

CDN = "public, max-age=0, s-maxage=600, stale-while-revalidate=30"


@pytest.fixture
def cdn_app(database_url: str, content_dir: Path, write_article: ArticleWriter,
            tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "CONTENT_DIR": str(content_dir), "SITE_URL": "http://blog.test",
                      "CDN_MAX_AGE": 600, "CDN_STALE_SECONDS": 30})
    with app.app_context():
        db.create_all()
    write_article("first.md", title="First Post", date="2025-01-01", tags="Python")
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_off_by_default_every_cache_revalidates(app: Flask, runner: FlaskCliRunner,
                                                write_article: ArticleWriter) -> None:
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    for _ in range(2):  # the miss, through Flask, then the hit, through the fast path
        assert client.get("/posts/first").headers["Cache-Control"] == BROWSER_CACHING


def test_public_pages_tell_shared_caches_how_long_to_keep_them(cdn_app: Flask) -> None:
    client = cdn_app.test_client()
    for path in ("/", "/posts/first", "/tags/python", "/feed.xml", "/sitemap.xml",
                 "/api/v1/posts"):
        miss, hit = client.get(path), client.get(path)
        assert (miss.status_code, miss.headers["Cache-Control"]) == (200, CDN), path
        assert (hit.headers["X-Cache"], hit.headers["Cache-Control"]) == ("hit", CDN), path
        again = client.get(path, headers={"If-None-Match": hit.headers["ETag"]})
        assert (again.status_code, again.headers["Cache-Control"]) == (304, CDN), path


def test_errors_redirects_and_media_never_get_it(cdn_app: Flask) -> None:
    client = cdn_app.test_client()
    missing = client.get("/posts/nothing-here")
    assert missing.status_code == 404 and "s-maxage" not in missing.headers.get(
        "Cache-Control", "")
    moved = client.get("/posts/first.html")
    assert moved.status_code in (301, 404) and "s-maxage" not in moved.headers.get(
        "Cache-Control", "")
    health = client.get("/healthz")
    assert "s-maxage" not in health.headers.get("Cache-Control", "")


def test_the_purge_command_gets_the_addresses_an_import_changed(
        cdn_app: Flask, write_article: ArticleWriter, tmp_path: Path) -> None:
    received = tmp_path / "purged.txt"
    cdn_app.config["PURGE_COMMAND"] = (
        f"{sys.executable} -c \"import sys; open({str(received)!r}, 'a')"
        f".write(sys.stdin.read())\"")
    write_article("second.md", title="Second Post", date="2025-02-01", tags="Rust",
                  category="Systems")
    assert cdn_app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    addresses = received.read_text().split()
    for expected in ("/", "/archive/", "/feed.xml", "/sitemap.xml", "/posts/second",
                     "/tags/rust", "/tags/rust/feed.xml", "/categories/systems",
                     "/api/v1/posts"):
        assert expected in addresses, (expected, addresses)
    assert "/posts/first" not in addresses  # unchanged
    assert len(addresses) == len(set(addresses))

    received.unlink()
    assert cdn_app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    assert not received.exists()  # nothing changed: nothing to purge


def test_a_failing_purge_hook_never_fails_the_import(cdn_app: Flask,
                                                      write_article: ArticleWriter) -> None:
    cdn_app.config["PURGE_COMMAND"] = f"{sys.executable} -c 'raise SystemExit(3)'"
    cdn_app.config["PURGE_URL"] = f"http://127.0.0.1:{free_port()}"  # nobody listening
    write_article("second.md", title="Second Post", date="2025-02-01")
    result = cdn_app.test_cli_runner().invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output


# --- through a real caching proxy ----------------------------------------------------------

VCL = """vcl 4.1;
backend folio {{ .host = "127.0.0.1"; .port = "{port}"; }}
acl purgers {{ "127.0.0.1"; }}
sub vcl_recv {{
    if (req.method == "PURGE") {{
        if (client.ip !~ purgers) {{ return (synth(405)); }}
        return (purge);
    }}
}}
"""


@pytest.fixture
def varnish(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Debian's varnishd on a free loopback port, its backend set by writing the VCL."""
    binary = shutil.which("varnishd") or ("/usr/sbin/varnishd"
                                          if os.path.exists("/usr/sbin/varnishd") else None)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("varnishd is missing: scripts/test.sh installs Debian's varnish")
        pytest.skip("varnish is not installed")
    yield free_port(), Path(binary)


def test_an_import_reaches_readers_through_varnish_at_once(
        varnish: tuple[int, Path], app: Flask, runner: FlaskCliRunner, database_url: str,
        content_dir: Path, write_article: ArticleWriter, tmp_path: Path) -> None:
    proxy_port, varnishd = varnish
    write_article("first.md", title="First Post", date="2025-01-01")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    environment = server_environment(DATABASE_URL=database_url, CONTENT_DIR=str(content_dir),
                                     SITE_URL="http://blog.test", CDN_MAX_AGE="600",
                                     PURGE_URL=f"http://127.0.0.1:{proxy_port}")
    with Gunicorn(environment, tmp_path / "gunicorn.log", workers=1) as origin:
        vcl = tmp_path / "folio.vcl"
        vcl.write_text(VCL.format(port=origin.port), encoding="utf-8")
        log = (tmp_path / "varnish.log").open("wb")
        # -j none: no switch to Debian's varnish users, who cannot enter pytest's 0700 folders.
        proxy = subprocess.Popen(
            [str(varnishd), "-F", "-j", "none", "-a", f"127.0.0.1:{proxy_port}",
             "-f", str(vcl), "-n", str(tmp_path / "varnish"), "-s", "malloc,32m"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{proxy_port}"
            _wait_for(base + "/healthz", proxy, tmp_path / "varnish.log")
            first = fetch(base + "/")
            assert "First Post" in first.body and "s-maxage=600" in first.headers[
                "Cache-Control"]
            cached = fetch(base + "/")
            assert int(cached.headers.get("Age", "0")) >= 0
            assert len(cached.headers["X-Varnish"].split()) == 2  # a hit: two transaction ids

            write_article("second.md", title="Second Post", date="2025-02-01")
            imported = flask_command(environment, "import-posts")
            assert imported.returncode == 0, imported.stderr

            after = fetch(base + "/")
            assert "Second Post" in after.body  # purged: not the copy Varnish held for 600 s
            assert fetch(base + "/posts/second").status == 200
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)
            log.close()


def _wait_for(url: str, proxy: subprocess.Popen[bytes], log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            raise AssertionError(f"varnishd exited {proxy.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer: {log.read_text()}")
