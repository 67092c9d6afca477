"""The database goes away while Folio serves: the site's own 503 page (not a traceback),
``/readyz`` says 503, ``/healthz`` stays 200, and service returns by itself, no restart."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import ArticleWriter
from tests.faults.proxy import CuttableProxy
from tests.html import parse, text_of


class Outage:
    """Takes the database away and brings it back, the way each backend loses it."""

    def __init__(self, url: str, app: Flask | None = None) -> None:
        self.url = make_url(url)
        self.app = app
        self.proxy: CuttableProxy | None = None
        if self.url.get_backend_name() == "postgresql":
            self.proxy = CuttableProxy(self.url.host or "127.0.0.1", self.url.port or 5432)

    @property
    def served_url(self) -> str:
        """The URL the app is given: through the cuttable proxy for a server database."""
        if self.proxy is None:
            return self.url.render_as_string(hide_password=False)
        return self.url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False)

    def begin(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()  # the server crashed or the network is gone: connections reset
            return
        # SQLite: the volume holding the database is unmounted. Open connections keep the old
        # file (POSIX semantics) until a worker recycles them, which the pool disposal stands
        # in for; every new connection then fails.
        folder = Path(str(self.url.database)).parent
        folder.rename(folder.with_name(folder.name + ".gone"))
        assert self.app is not None
        with self.app.app_context():
            db.engine.dispose()

    def end(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
            return
        folder = Path(str(self.url.database)).parent
        folder.with_name(folder.name + ".gone").rename(folder)


@pytest.fixture
def outage(migrated_database: str, content_dir: Path) -> Iterator[tuple[Flask, Outage]]:
    outage = Outage(migrated_database)
    if outage.proxy is not None:
        outage.proxy.start()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": outage.served_url,
                      "CONTENT_DIR": str(content_dir), "SITE_URL": "http://blog.test"})
    outage.app = app
    yield app, outage
    if outage.proxy is not None:
        outage.proxy.cut()
    with app.app_context():
        db.engine.dispose()


def test_pages_answer_503_while_it_is_gone_and_recover_alone(
        outage: tuple[Flask, Outage], write_article: ArticleWriter,
        caplog: pytest.LogCaptureFixture) -> None:
    app, cut = outage
    write_article("first.md", title="First Post", date="2025-01-01", tags="Python")
    assert app.test_cli_runner().invoke(args=["import-posts"]).exit_code == 0
    client: FlaskClient = app.test_client()
    assert client.get("/readyz").status_code == 200

    cut.begin()
    with caplog.at_level(logging.WARNING, logger="app"):
        pages = [client.get(path) for path in ("/posts/first", "/tags/python", "/archive/")]
        api = client.get("/api/v1/posts")
    ready = client.get("/readyz")
    alive = client.get("/healthz")

    for page in pages:
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        document = parse(page.data)
        assert "briefly unavailable" in text_of(document.cssselect("h1")[0])
        assert document.cssselect("link[rel=stylesheet]")  # the site's own page, styled
        assert document.cssselect("nav.site-nav a[href='/archive/']")  # and its menu
        assert b"Traceback" not in page.data and b"OperationalError" not in page.data
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("unreachable")
    assert alive.status_code == 200
    warnings = [r for r in caplog.records if getattr(r, "event", "") == "database_unavailable"]
    assert len(warnings) == 1  # one warning for the outage, not one per request

    cut.end()
    assert client.get("/posts/first").status_code == 200  # no restart
    assert client.get("/readyz").status_code == 200


def test_the_database_being_down_never_leaks_its_address_or_password(
        outage: tuple[Flask, Outage], caplog: pytest.LogCaptureFixture) -> None:
    app, cut = outage
    cut.begin()
    with caplog.at_level(logging.DEBUG):
        body = app.test_client().get("/").get_data(as_text=True)
    cut.end()
    password_free = make_url(cut.served_url)
    for secret in filter(None, (password_free.password, os.environ.get("PGPASSWORD"))):
        assert secret not in body and secret not in caplog.text
    assert cut.served_url not in body and cut.served_url not in caplog.text
