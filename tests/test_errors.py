"""One error story: every error is a page in the site's look with ways back."""

from __future__ import annotations

import logging

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Tag
from tests.html import parse, text_of


def test_500_rolls_back_logs_and_shows_the_site_page(app: Flask,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    events: list[str] = []

    @app.get("/explode")
    def explode() -> str:
        db.session.add(Tag(slug="half-written", name="Half written"))
        db.session.flush()
        event.listen(db.session(), "after_rollback", lambda session: events.append("rollback"))
        raise RuntimeError("boom")

    template_rendered.connect(lambda *a, **k: events.append("render"), app, weak=False)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/explode")

    assert response.status_code == 500
    page = parse(response.get_data(as_text=True))
    assert text_of(page.cssselect("h1")[0]) == "Something went wrong on our side"
    assert page.cssselect('.error-page a[href="/"]') and page.cssselect(".site-nav")
    assert events[:2] == ["rollback", "render"]
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    with app.app_context():
        assert db.session.scalars(select(Tag)).all() == []


def test_wrong_method_is_405_in_the_site_look(app: Flask, client: FlaskClient) -> None:
    response = client.post("/")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert parse(response.get_data(as_text=True)).cssselect(".error-page")


def test_head_is_answered_like_get(app: Flask, client: FlaskClient) -> None:
    response = client.head("/archive/")

    assert response.status_code == 200 and response.data == b""


def test_error_pages_are_not_indexed(app: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/no/such/page").get_data(as_text=True))

    assert page.cssselect('meta[name="robots"]')[0].get("content") == "noindex"
    assert not page.cssselect('link[rel="canonical"]')


def test_a_failure_ending_the_session_is_logged_and_the_page_still_served(
        app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs in the app-context teardown, after the response is made: raising there would turn a
    # finished page into the server's bare 500.
    close = Session.close

    def close_then_fail(session: Session) -> None:
        close(session)
        raise RuntimeError("a bug while closing")

    monkeypatch.setattr(Session, "close", close_then_fail)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        first = client.get("/archive/")
    monkeypatch.undo()

    assert first.status_code == 200
    assert [str(r.exc_info[1]) for r in caplog.records if r.exc_info] == ["a bug while closing"]
    assert client.get("/archive/").status_code == 200  # and the next request is as usual
