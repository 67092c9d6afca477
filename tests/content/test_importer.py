"""The import service called directly, as a script or another service would call it: plain
inputs, a report out, one commit or none. On SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.content import importer
from app.content.importer import ImportOptions, ImportReport, import_posts
from app.extensions import db
from app.models import ImportRun, Post, PostAlias, related_posts
from tests.conftest import ArticleWriter

# Lists nested past Folio's limit (app.content.nesting): a file that reads but does not render.
UNRENDERABLE = "> " * 101 + "too deep\n"


def run(app: Flask, folder: Path, **options: object) -> ImportReport:
    with app.app_context():
        return import_posts(db.session(), folder, ImportOptions(**options))  # type: ignore[arg-type]


def slugs(app: Flask) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(Post.source_path, Post.slug))
        return {path: slug for path, slug in rows}


def runs(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ImportRun)) or 0)


def test_an_import_commits_once_and_reports_what_it_did(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("one.md")
    write_article("two.md", slug="second")

    report = run(app, content_dir)

    assert (report.added, report.updated, report.errors, report.written) == (
        ["one.md", "two.md"], [], [], True)
    assert slugs(app) == {"one.md": "one", "two.md": "second"}
    assert runs(app) == 1
    again = run(app, content_dir)
    assert (again.unchanged, again.changes, again.written) == (2, 0, False)
    assert runs(app) == 1


def test_a_dry_run_reports_and_writes_nothing(app: Flask, content_dir: Path,
                                              write_article: ArticleWriter) -> None:
    write_article("one.md")

    report = run(app, content_dir, dry_run=True)

    assert (report.added, report.written) == (["one.md"], False)
    assert slugs(app) == {}


def test_strict_writes_nothing_when_a_file_fails_to_render(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("good.md")
    write_article("deep.md", UNRENDERABLE)

    report = run(app, content_dir, strict=True)

    assert not report.written and report.added == []
    assert [(p.path.endswith("deep.md"), p.line) for p in report.errors] == [(True, 6)]
    assert slugs(app) == {}


def test_without_strict_the_others_are_written(app: Flask, content_dir: Path,
                                               write_article: ArticleWriter) -> None:
    write_article("good.md")
    write_article("deep.md", UNRENDERABLE)

    report = run(app, content_dir)

    assert report.written and report.added == ["good.md"]
    assert slugs(app) == {"good.md": "good"}


@pytest.mark.parametrize("swap", [False, True], ids=["renamed", "renamed-and-taken-over"])
def test_a_renamed_post_that_fails_to_render_is_a_reported_problem(
        app: Flask, content_dir: Path, write_article: ArticleWriter, swap: bool) -> None:
    """It used to stop the whole import with a RuntimeError and a traceback."""
    write_article("a.md", slug="first")
    write_article("b.md", slug="other")
    assert run(app, content_dir).written
    write_article("a.md", UNRENDERABLE, slug="renamed")
    if swap:
        write_article("b.md", slug="first")  # takes over a.md's old slug in the same import

    report = run(app, content_dir)

    assert not report.written
    assert report.added == report.updated == []
    messages = [(Path(p.path).name, p.line, p.message) for p in report.errors]
    assert messages == [
        ("a.md", 7, "lists and quotes nested more than 100 levels deep"),
        ("a.md", 2, "the post changes its slug from 'first' to 'renamed' but did not render, "
                    "so nothing was written"),  # line 2: its slug
    ]
    assert slugs(app) == {"a.md": "first", "b.md": "other"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostAlias)) == 0
    assert runs(app) == 1


def test_a_removed_file_is_pruned_only_when_asked(app: Flask, content_dir: Path,
                                                  write_article: ArticleWriter) -> None:
    write_article("keep.md")
    gone = write_article("gone.md")
    run(app, content_dir)
    gone.unlink()

    kept = run(app, content_dir)
    assert (kept.missing, kept.removed, kept.written) == (["gone.md"], [], False)
    assert set(slugs(app)) == {"keep.md", "gone.md"}

    pruned = run(app, content_dir, prune=True)
    assert (pruned.removed, pruned.written) == (["gone.md"], True)
    assert set(slugs(app)) == {"keep.md"}


def test_a_moved_file_keeps_its_post(app: Flask, content_dir: Path,
                                     write_article: ArticleWriter) -> None:
    old = write_article("2025/post.md")
    run(app, content_dir)
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    old.rename(content_dir / "post.md")

    report = run(app, content_dir)

    assert (report.updated, report.added, report.missing) == (["post.md"], [], [])
    with app.app_context():
        assert db.session.scalar(select(Post.id)) == post_id


def test_messages_name_files_as_the_caller_named_the_folder(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("bad.md", raw="no frontmatter\n")

    with app.app_context():
        report = import_posts(db.session(), content_dir, display=Path("content"))

    assert [str(problem).split(": ", 1)[0] for problem in report.errors] == ["content/bad.md:1"]


def test_a_touched_file_is_restamped_without_a_new_import_run(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    path = write_article("one.md")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    run(app, content_dir)
    first = stamps(app)
    os.utime(path, (an_hour_ago - 60, an_hour_ago - 60))

    report = run(app, content_dir)

    assert (report.unchanged, report.written) == (1, False)
    assert runs(app) == 1  # nothing changed for readers: no new content version
    assert stamps(app) != first and stamps(app)["one.md"] is not None


def stamps(app: Flask) -> dict[str, str | None]:
    with app.app_context():
        rows = db.session.execute(select(Post.source_path, Post.source_stamp))
        return {path: stamp for path, stamp in rows}


def test_related_posts_are_ranked_again_only_when_their_inputs_change(
        app: Flask, content_dir: Path, write_article: ArticleWriter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking every post again took most of a one-file edit's import at 10,000 posts."""
    write_article("a.md", tags="Python, Caching", category="Notes")
    write_article("b.md", tags="Python", category="Notes")
    run(app, content_dir)
    rankings: list[int] = []
    real = importer.refresh_related
    monkeypatch.setattr(importer, "refresh_related",
                        lambda session: rankings.append(1) or real(session))

    write_article("a.md", "A new body.\n", tags="Python, Caching", category="Notes")
    assert run(app, content_dir).updated == ["a.md"]
    assert rankings == []

    write_article("a.md", "A new body.\n", tags="Caching", category="Elsewhere")
    assert run(app, content_dir).updated == ["a.md"]
    assert rankings == [1]
    with app.app_context():
        assert db.session.scalars(select(related_posts.c.post_id)).all() == []
