"""The import's files: stored once by digest, with their variants, in the import's one
transaction; unchanged files cost nothing again; a changed file renders its posts again;
``--prune`` removes the files no post references. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from app.content import media_files
from app.content.importer import ImportOptions, ImportReport, import_posts
from app.content.media import MediaFile, media_digest
from app.extensions import db
from app.models import MediaFile as MediaRow
from app.models import Post, PostMedia
from tests.conftest import ArticleWriter


def run(app: Flask, folder: Path, **options: object) -> ImportReport:
    with app.app_context():
        return import_posts(db.session(), folder, ImportOptions(**options))  # type: ignore[arg-type]


def save_image(path: Path, size: tuple[int, int] = (1000, 500), colour: str = "teal",
               image_format: str = "PNG", age: float = 60, **options: object) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, image_format, **options)
    path.write_bytes(buffer.getvalue())
    old = time.time() - age  # out of the racy window: the file gets a stamp
    os.utime(path, (old, old))
    return buffer.getvalue()


def stored(app: Flask) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(MediaRow.key, MediaRow.content_type)).all())


def html_of(app: Flask, slug: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Post.html).where(Post.slug == slug)))


def test_an_image_is_stored_with_its_variants_and_served_names(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    data = save_image(content_dir / "trip" / "map.png")
    write_article("trip/index.md", "![Map](map.png)\n")

    report = run(app, content_dir)

    assert report.errors == [] and report.media_added == 1
    digest = media_digest(data)
    keys = stored(app)
    assert keys[f"{digest}/map.png"] == "image/png"
    assert keys[f"{digest}/map-480w.webp"] == "image/webp"
    assert keys[f"{digest}/map-960w.png"] == "image/png"
    assert f"{digest}/map-1600w.png" not in keys  # never larger than the original
    assert f'src="/media/{digest}/map.png"' in html_of(app, "trip")  # the bundle's folder


def test_files_already_stored_cost_nothing_and_are_shared(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "static" / "logo.png", (200, 100))
    write_article("one.md", "![a](/logo.png)\n")
    run(app, content_dir)
    before = stored(app)

    write_article("two.md", "![b](/logo.png)\n")
    report = run(app, content_dir)

    assert (report.added, report.media_added) == (["two.md"], 0)
    assert stored(app) == before
    again = run(app, content_dir)
    assert (again.unchanged, again.written) == (2, False)


def test_a_changed_image_renders_its_post_again_under_a_new_address(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    picture = content_dir / "post" / "photo.jpg"
    first = save_image(picture, image_format="JPEG")
    write_article("post/index.md", "![p](photo.jpg)\n")
    run(app, content_dir)

    second = save_image(picture, colour="navy", image_format="JPEG", age=30)
    report = run(app, content_dir)

    assert report.updated == ["post/index.md"] and report.media_added == 1
    page = html_of(app, "post")
    assert media_digest(second) in page and media_digest(first) not in page
    assert len({key.split("/")[0] for key in stored(app)}) == 2  # the old one until --prune


def test_prune_removes_the_files_no_post_references(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    kept = save_image(content_dir / "static" / "kept.png", (100, 100))
    dropped = save_image(content_dir / "static" / "dropped.png", (100, 100), colour="red")
    write_article("a.md", "![k](/kept.png) ![d](/dropped.png)\n")
    write_article("b.md", "![k](/kept.png)\n")
    run(app, content_dir)

    write_article("a.md", "No pictures now.\n")
    run(app, content_dir)
    assert media_digest(dropped) in str(stored(app))  # without --prune, kept for old pages
    report = run(app, content_dir, prune=True)

    assert report.media_removed == 1 and report.written
    digests = {key.split("/")[0] for key in stored(app)}
    assert digests == {media_digest(kept)}


def test_prune_alone_removes_orphans_left_by_an_earlier_import(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "static" / "old.png", (100, 100))
    write_article("a.md", "![o](/old.png)\n")
    run(app, content_dir)
    write_article("a.md", "Gone.\n")
    run(app, content_dir)

    report = run(app, content_dir, prune=True)

    assert (report.unchanged, report.media_removed) == (1, 1)
    assert stored(app) == {}


def test_a_removed_post_leaves_no_references(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "static" / "x.png", (100, 100))
    write_article("a.md", "![x](/x.png)\n")
    run(app, content_dir)
    (content_dir / "a.md").unlink()

    run(app, content_dir, prune=True)

    with app.app_context():
        assert db.session.scalars(select(PostMedia)).all() == []
    assert stored(app) == {}


def test_strict_with_a_bad_file_stores_no_file_at_all(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "static" / "fine.png")
    write_article("good.md", "![f](/fine.png)\n")
    write_article("bad.md", "![missing](/nowhere.png)\n")

    report = run(app, content_dir, strict=True)

    assert not report.written
    assert [(p.line, "there is no file static/nowhere.png" in p.message)
            for p in report.errors] == [(6, True)]
    assert stored(app) == {}


def test_a_missing_image_is_an_error_but_its_post_is_not_lost(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "static" / "fine.png", (100, 100))
    write_article("good.md", "![f](/fine.png)\n")
    write_article("bad.md", "Text.\n\n![missing](/fine.jpg)\n", image="cover.png")

    report = run(app, content_dir)

    assert report.added == ["bad.md", "good.md"] and report.written
    errors = sorted((p.line, p.message, p.hint, p.severity) for p in report.errors)
    assert errors[0][0] == 2 and "'cover.png': there is no file cover.png" in errors[0][1]
    assert errors[1][0] == 9 and "there is no file static/fine.jpg" in errors[1][1]
    assert errors[1][2] == "the nearest existing file is static/fine.png"
    assert {severity for *_, severity in errors} == {"error"}
    assert 'src="/fine.jpg"' in html_of(app, "bad")  # as written: the author sees it broken


def test_a_missing_file_that_appears_renders_its_post_again(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("post.md", "![later](later.png)\n")
    assert len(run(app, content_dir).errors) == 1
    still = run(app, content_dir)
    assert (still.unchanged, still.errors) == (1, [])  # reported once, as warnings are

    data = save_image(content_dir / "later.png", (120, 60))
    report = run(app, content_dir)

    assert (report.updated, report.errors, report.media_added) == (["post.md"], [], 1)
    assert f"/media/{media_digest(data)}/later.png" in html_of(app, "post")
    assert run(app, content_dir).unchanged == 1


def test_the_frontmatter_image_gets_its_variants(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    save_image(content_dir / "post" / "cover.jpg", (2400, 1200), image_format="JPEG")
    write_article("post/index.md", "Text.\n", image="cover.jpg")

    run(app, content_dir)

    with app.app_context():
        post = db.session.scalars(select(Post)).one()
        assert re.fullmatch(r"/media/[0-9a-f]{32}/cover\.jpg", str(post.image))
        assert post.image_media is not None
        assert (post.image_media["width"], post.image_media["height"]) == (2400, 1200)
        assert [kind for kind, _ in post.image_media["srcsets"]][-1] == "image/jpeg"


def test_a_file_that_changes_while_it_is_stored_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "a.png"
    data = save_image(source, (50, 50))
    listed = MediaFile("a.png", media_digest(data), "a.png", "image/png", len(data), None)
    save_image(source, (50, 50), colour="red")

    processed = media_files.process_file((str(tmp_path), listed))

    assert processed.rows == () and "changed while it was being imported" in str(
        processed.problem)


@pytest.mark.parametrize("workers", [1, 2])
def test_many_images_are_stored_by_the_workers(app: Flask, content_dir: Path,
                                               write_article: ArticleWriter,
                                               workers: int) -> None:
    for n in range(6):
        save_image(content_dir / f"p{n}" / "a.png", (600 + n, 300), colour=(n * 40, 0, 0))
        write_article(f"p{n}/index.md", "![a](a.png)\n")

    report = run(app, content_dir, workers=workers)

    assert report.media_added == 6 and report.errors == []
    assert len({key.split("/")[0] for key in stored(app)}) == 6
