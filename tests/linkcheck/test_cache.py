"""Remembering the outside addresses that answered well (app/linkcheck/cache.py), on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.linkcheck import cache
from app.linkcheck.external import Outcome
from app.models import LinkCheck

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
LONG = "https://example.com/" + "very-long-path/" * 300  # longer than an index entry may be


def test_good_answers_are_remembered_until_they_expire(app: Flask) -> None:
    fine = Outcome("https://example.com/fine", 200)
    moved = Outcome(LONG, 200, final_url="https://example.com/new", redirect_status=301)
    missing = Outcome("https://example.com/missing", 404)
    busy = Outcome("https://example.com/busy", 429)
    urls = [fine.url, moved.url, missing.url, busy.url]

    with app.app_context():
        cache.remember(db.session(), [fine, moved, missing, busy], NOW, WEEK)
        db.session.commit()
        a_day_later = cache.remembered(db.session(), urls, WEEK, NOW + timedelta(days=1))
        too_late = cache.remembered(db.session(), urls, WEEK, NOW + WEEK + timedelta(seconds=1))

    assert a_day_later == {fine.url: fine, moved.url: moved}
    assert too_late == {}


def test_a_new_answer_replaces_the_remembered_one(app: Flask) -> None:
    url = "https://example.com/page"
    with app.app_context():
        cache.remember(db.session(), [Outcome(url, 200)], NOW, WEEK)
        cache.remember(db.session(), [Outcome(url, 404)], NOW + timedelta(hours=1), WEEK)
        db.session.commit()

        assert cache.remembered(db.session(), [url], WEEK, NOW + timedelta(hours=2)) == {}


def test_answers_past_their_time_are_deleted_by_the_next_run(app: Flask) -> None:
    old, new = Outcome("https://example.com/old", 200), Outcome("https://example.com/new", 200)
    with app.app_context():
        cache.remember(db.session(), [old], NOW, WEEK)
        cache.remember(db.session(), [new], NOW + WEEK + timedelta(seconds=1), WEEK)
        db.session.commit()

        kept = db.session.scalars(select(LinkCheck.url)).all()

    assert kept == [new.url]
