"""Every API error has one JSON shape, whatever its status or cause; the site keeps its HTML
error pages; no API answer renders a template."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event, select

from app.extensions import db
from app.models import Tag
from tests.html import parse, text_of

KEYS = {"status", "code", "message"}


@pytest.mark.parametrize(("method", "url", "status", "code"), [
    ("GET", "/api/v1/posts?per_page=0", 400, "bad_request"),
    ("GET", "/api/v1/posts?tag=nope", 404, "not_found"),
    ("GET", "/api/v1/posts/nope", 404, "not_found"),
    ("GET", "/api/v1/no/such/thing", 404, "not_found"),
    ("GET", "/api/v2/posts", 404, "not_found"),
    ("GET", "/api", 404, "not_found"),
    ("POST", "/api/v1/posts", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/posts/newer", 405, "method_not_allowed"),
    ("PUT", "/api/v1/tags", 405, "method_not_allowed"),
    ("POST", "/api/v1/openapi.json", 405, "method_not_allowed"),
])
def test_errors_have_one_json_shape(site: Flask, client: FlaskClient, method: str, url: str,
                                    status: int, code: str) -> None:
    response = client.open(url, method=method)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert set(response.json) == {"error"}
    assert KEYS <= set(error) <= KEYS | {"parameter"}
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["message"], str) and error["message"]


def test_405_keeps_the_allow_header(site: Flask, client: FlaskClient) -> None:
    response = client.post("/api/v1/posts/newer")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_head_is_answered_like_get(site: Flask, client: FlaskClient) -> None:
    response = client.head("/api/v1/posts")

    assert response.status_code == 200 and response.data == b""
    assert response.mimetype == "application/json"


def test_500_rolls_back_logs_and_answers_json(app: Flask,
                                              caplog: pytest.LogCaptureFixture) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    rollbacks: list[str] = []

    @app.get("/api/v1/explode")
    def explode() -> str:
        db.session.add(Tag(slug="half-written", name="Half written"))
        db.session.flush()
        event.listen(db.session(), "after_rollback", lambda session: rollbacks.append("yes"))
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/v1/explode")

    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_server_error"
    assert "boom" not in response.get_data(as_text=True)
    assert rollbacks == ["yes"]
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    with app.app_context():
        assert db.session.scalars(select(Tag)).all() == []


@pytest.mark.parametrize(("url", "headline"), [
    ("/no/such/page", "Page not found"),
    ("/posts/nope", "Page not found"),
    ("/posts/nope.json", "Page not found"),
    ("/posts/nope.md", "Page not found"),
    ("/apis", "Page not found"),
])
def test_the_site_keeps_its_html_error_pages(site: Flask, client: FlaskClient, url: str,
                                             headline: str) -> None:
    response = client.get(url)

    assert response.status_code == 404 and response.mimetype == "text/html"
    assert text_of(parse(response.get_data(as_text=True)).cssselect("h1")[0]) == headline


def test_the_site_keeps_its_405_page(site: Flask, client: FlaskClient) -> None:
    response = client.post("/")

    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def rendered(app: Flask) -> Iterator[list[str]]:
    names: list[str] = []

    def record(sender: Flask, template: object, context: object, **extra: object) -> None:
        names.append(str(getattr(template, "name", template)))

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def test_the_api_renders_no_template(site: Flask, client: FlaskClient,
                                     rendered: list[str]) -> None:
    for url in ("/api/v1/posts", "/api/v1/posts?q=post", "/api/v1/posts?page=abc",
                "/api/v1/posts?tag=nope", "/api/v1/posts/newer", "/api/v1/posts/nope",
                "/api/v1/tags", "/api/v1/categories", "/api/v1/authors",
                "/api/v1/openapi.json", "/api/v1/nothing", "/posts/newer.json",
                "/posts/newer.md"):
        client.get(url)
    client.post("/api/v1/posts")

    assert rendered == []
    client.get("/posts/nope")  # the site's error page does render one
    assert rendered == ["errors/error.html"]
