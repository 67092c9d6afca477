"""The content state follows what readers can see (``queries.is_public``): a draft, however
new, never moves it, and only a post that will go public by itself is awaited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from app.caching.state import database_version, load_state
from tests.conftest import ArticleWriter


def written(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000")


def test_drafts_leave_the_content_state_alone(app: Flask, runner: FlaskCliRunner,
                                              write_article: ArticleWriter) -> None:
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    write_article("out.md", date="2025-01-01 10:00:00 +0000")
    write_article("newer-draft.md", date="2025-02-01 10:00:00 +0000", draft="true")
    write_article("draft-due-first.md", date=written(tomorrow), draft="true")
    write_article("scheduled.md", date=written(tomorrow + timedelta(hours=1)))
    assert runner.invoke(args=["import-posts"]).exit_code == 0

    with app.app_context():
        state = load_state(database_version())

    assert state.latest_public == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert state.next_publication == tomorrow + timedelta(hours=1)
