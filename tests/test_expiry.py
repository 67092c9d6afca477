"""A post with an expiry date (Hugo's expiryDate) leaves the site on time, as a scheduled
post appears on time; cached pages do not outlive it."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskCliRunner

from app.caching.state import load_state
from tests.conftest import ArticleWriter


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


def test_an_expired_post_is_gone_and_an_expiring_one_is_shown(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    now = dt.datetime.now(dt.UTC)
    write_article("old-offer.md", expires=f'"{_iso(now - dt.timedelta(days=1))}"')
    write_article("current-offer.md", expires=f'"{_iso(now + dt.timedelta(days=1))}"')
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    client = app.test_client()
    assert client.get("/posts/old-offer").status_code == 404
    assert client.get("/posts/current-offer").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "/posts/current-offer" in home and "/posts/old-offer" not in home
    assert "/posts/old-offer" not in client.get("/feed.xml").get_data(as_text=True)


def test_the_next_expiry_bounds_how_long_pages_are_cached(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    leaving = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(microsecond=0)
    write_article("offer.md", expires=f'"{_iso(leaving)}"')
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    with app.app_context():
        assert load_state("1").next_publication == leaving
