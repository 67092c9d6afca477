"""The related-posts table follows every import: edits, drafts and pruning."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Post, related_posts
from tests.conftest import ArticleWriter


def related(app: Flask) -> dict[str, list[str]]:
    with app.app_context():
        slugs = dict(db.session.execute(select(Post.id, Post.slug)).all())
        rows = db.session.execute(select(related_posts.c.post_id, related_posts.c.related_id)
                                  .order_by(related_posts.c.post_id, related_posts.c.position))
        result: dict[str, list[str]] = {}
        for post_id, related_id in rows:
            result.setdefault(slugs[post_id], []).append(slugs[related_id])
        return result


def test_import_ranks_and_reranks(app: Flask, runner: FlaskCliRunner,
                                  write_article: ArticleWriter) -> None:
    write_article("a.md", tags="x, y", date="2025-01-01")
    write_article("b.md", tags="x, y", date="2025-02-01")
    c = write_article("c.md", tags="x", date="2025-01-02")
    runner.invoke(args=["import-posts"])

    assert related(app) == {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}

    c.write_text(c.read_text().replace("tags: x", "tags: x, y"))  # now c shares both
    runner.invoke(args=["import-posts"])

    assert related(app)["a"] == ["c", "b"]  # c is nearer in time


def test_drafts_are_nobodys_related_post_and_pruning_cleans_up(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("a.md", tags="x")
    write_article("draft.md", tags="x", draft="true")
    gone = write_article("gone.md", tags="x")
    runner.invoke(args=["import-posts"])
    assert related(app) == {"a": ["gone"], "gone": ["a"]}

    gone.unlink()
    result = runner.invoke(args=["import-posts", "--prune"])

    assert result.exit_code == 0, result.output
    assert related(app) == {}
