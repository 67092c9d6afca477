"""The import's SQL (app/content/writing.py) on SQLite and PostgreSQL: each function on rows an
import made, inside a transaction the test rolls back or commits itself."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.content import writing
from app.content.importer import import_posts
from app.extensions import db
from app.models import Author, Post, PostAlias, RemovedPost, Tag
from tests.conftest import ArticleWriter


def imported(app: Flask, content_dir: Path) -> None:
    with app.app_context():
        assert import_posts(db.session(), content_dir).written


def test_existing_posts_by_source_path(app: Flask, content_dir: Path,
                                       write_article: ArticleWriter) -> None:
    write_article("a.md", slug="alpha")
    imported(app, content_dir)

    with app.app_context():
        existing = writing.existing_posts(db.session())

    assert list(existing) == ["a.md"] and existing["a.md"].slug == "alpha"
    assert len(existing["a.md"].digest) == 64


def test_removed_posts_leave_a_tombstone_at_every_address(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("a.md", slug="alpha", aliases="old-alpha", tags="Lonely")
    write_article("b.md", author="Someone Else")
    imported(app, content_dir)

    with app.app_context():
        session = db.session()
        post_id = session.scalar(select(Post.id).where(Post.slug == "alpha"))
        writing.remove_posts(session, [post_id])
        writing.collect_orphans(session)
        tombstones = set(session.scalars(select(RemovedPost.slug)))
        left = (set(session.scalars(select(Post.slug))), set(session.scalars(select(Tag.name))),
                set(session.scalars(select(Author.name))),
                set(session.scalars(select(PostAlias.slug))))
        session.rollback()

    assert tombstones == {"alpha", "old-alpha"}
    assert left == ({"b"}, set(), {"Someone Else"}, set())


def test_names_keep_the_spelling_of_the_earliest_post(app: Flask, content_dir: Path,
                                                      write_article: ArticleWriter) -> None:
    write_article("late.md", tags="PYTHON", date="2026-02-01")
    write_article("early.md", tags="Python", date="2026-01-01")
    imported(app, content_dir)
    write_article("later.md", tags="python", date="2026-03-01")
    imported(app, content_dir)

    with app.app_context():
        assert list(db.session.scalars(select(Tag.name))) == ["Python"]


def test_an_edit_keeps_the_old_slugs_of_earlier_renames(app: Flask, content_dir: Path,
                                                         write_article: ArticleWriter) -> None:
    write_article("a.md", "One.\n", slug="first", aliases="nickname")
    imported(app, content_dir)
    write_article("a.md", "One.\n", slug="second", aliases="nickname")
    imported(app, content_dir)
    write_article("a.md", "Two.\n", slug="second")  # an edit, and the alias dropped
    imported(app, content_dir)

    with app.app_context():
        kept = db.session.execute(select(PostAlias.slug, PostAlias.kind)).all()

    assert kept == [("first", "renamed")]
