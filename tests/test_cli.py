"""`flask import-posts` and `flask check-links`, through the Flask CLI runner, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from sqlalchemy import func, select

from app import queries
from app.content import importer, planning, writing
from app.extensions import db
from app.models import Author, Category, ImportRun, Post, PostAlias, RemovedPost, Tag
from tests.conftest import ArticleWriter
from tests.remote_site import Remote

HOUSE_ARTICLE = """---
title: Building Scalable Python Applications: Best Practices
author: Sebastian Gomez
date: 2026-01-15
category: Python Development
tags: Python, Architecture, Best Practices
read_time: 8 min
image: /static/images/code-review.jpg
excerpt: Learn the patterns that keep an application fast as it grows.
---

# Building Scalable Python Applications: Best Practices

Scaling starts with structure.

## Use connection pooling

```python
engine = create_engine(url, pool_size=5)
```
"""


def run_import(runner: FlaskCliRunner, *args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["import-posts", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def posts(app: Flask) -> dict[str, Post]:
    with app.app_context():
        return {p.slug: p for p in db.session.scalars(select(Post))}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_imports_house_format_exactly(app: Flask, runner: FlaskCliRunner, content_dir: Path,
                                      write_article: ArticleWriter) -> None:
    write_article("building-scalable-python-applications.md", raw=HOUSE_ARTICLE)
    # The example's image, in the content folder's static area as the house format names it.
    (content_dir / "static" / "images").mkdir(parents=True)
    Image.new("RGB", (640, 400), "navy").save(content_dir / "static/images/code-review.jpg")

    result = run_import(runner)

    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    assert re.search(r"building-scalable-python-applications\.md:2: warning: frontmatter is "
                     r"not valid YAML", result.output)
    assert 'quote the value: title: "Building Scalable Python Applications: Best Practices"' \
        in result.output
    with app.app_context():
        post = db.session.scalars(select(Post)).one()
        assert post.slug == "building-scalable-python-applications"
        assert post.title == "Building Scalable Python Applications: Best Practices"
        assert post.author.name == "Sebastian Gomez"
        assert post.category is not None and post.category.name == "Python Development"
        assert [t.name for t in post.tags] == ["Python", "Architecture", "Best Practices"]
        assert post.reading_minutes == 8
        assert re.fullmatch(r"/media/[0-9a-f]{32}/code-review\.jpg", str(post.image))
        assert post.image_media is not None and post.image_media["width"] == 640
        assert post.excerpt.startswith("Learn the patterns")
        assert post.published_at == datetime(2026, 1, 15, tzinfo=UTC)
        assert post.draft is False
        assert '<div class="highlight">' in post.html
        assert 'class="language-python"' in post.html
        assert "<h1" not in post.html  # the title heading is the page's, not the body's
        assert [entry["name"] for entry in post.toc] == ["Use connection pooling"]
        assert post.source.startswith("---\ntitle: Building")
        assert post.source_path == "building-scalable-python-applications.md"
        assert len(post.content_hash) == 64


def test_second_run_changes_nothing_and_says_so(app: Flask, runner: FlaskCliRunner,
                                               write_article: ArticleWriter) -> None:
    write_article("one.md")
    write_article("two.md")
    assert run_import(runner).exit_code == 0
    before = {slug: (p.imported_at, p.guid) for slug, p in posts(app).items()}

    result = run_import(runner)

    assert result.exit_code == 0
    assert "Nothing changed" in result.output
    assert "0 added, 0 updated, 2 unchanged, 0 removed, 0 warnings, 0 errors" in result.output
    assert {slug: (p.imported_at, p.guid) for slug, p in posts(app).items()} == before
    assert count(app, ImportRun) == 1


def test_changed_file_is_updated_in_place(app: Flask, runner: FlaskCliRunner,
                                          write_article: ArticleWriter) -> None:
    write_article("post.md", "First version.\n", tags="Old")
    run_import(runner)
    before = posts(app)["post"]

    write_article("post.md", "Second version.\n", tags="New")
    result = run_import(runner)

    assert "0 added, 1 updated, 0 unchanged" in result.output
    after = posts(app)["post"]
    assert (after.id, after.guid) == (before.id, before.guid)
    assert "Second version." in after.html
    with app.app_context():
        assert [t.name for t in db.session.scalars(select(Tag))] == ["New"]  # "Old" is orphaned


def test_every_invalid_file_is_reported_and_valid_ones_still_import(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter,
        content_dir: Path) -> None:
    write_article("good.md")
    write_article("no-title.md", raw="---\ndate: 2025-01-01\n---\nText\n")
    write_article("bad-date.md", raw="---\ntitle: Bad\nauthor: A\ndate: 2025-02-30\n---\nText\n")
    write_article("bad-yaml.md", raw="---\ntitle: Bad\ntags: [one, two\ndate: 2025-01-01\n---\n")
    write_article("bad-toml.md", raw='+++\ntitle = "T"\ndate = 2025-01-01\nbroken =\n+++\n')
    (content_dir / "empty.md").write_bytes(b"")
    (content_dir / "binary.md").write_bytes(b"---\ntitle: x\n\x00\x01\x02")
    (content_dir / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))

    result = run_import(runner)

    assert result.exit_code == 1
    output = result.output
    assert re.search(r"no-title\.md:1: error: missing title", output)
    assert re.search(r"bad-date\.md:4: error: date: '2025-02-30' is an impossible date", output)
    assert re.search(r"bad-yaml\.md:\d+: error: invalid YAML frontmatter", output)
    assert re.search(r"bad-toml\.md:4: error: invalid TOML frontmatter", output)
    assert re.search(r"empty\.md:1: error: empty file", output)
    assert re.search(r"binary\.md:3: error: binary file", output)
    assert re.search(r"latin1\.md:2: error: not valid UTF-8", output)
    assert output.count("hint:") >= 7
    assert "1 added" in output and "7 errors" in output
    assert set(posts(app)) == {"good"}


def test_strict_writes_nothing_when_any_file_is_invalid(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("good.md")
    write_article("bad.md", raw="---\ntitle: No date\n---\n")

    result = run_import(runner, "--strict")

    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert posts(app) == {}
    assert count(app, ImportRun) == 0


def test_dry_run_reports_and_writes_nothing(app: Flask, runner: FlaskCliRunner,
                                            write_article: ArticleWriter) -> None:
    write_article("keep.md")
    write_article("gone.md")
    run_import(runner)
    write_article("keep.md", "Edited.\n")
    write_article("new.md")
    (write_article("gone.md")).unlink()

    result = run_import(runner, "--dry-run", "--prune")

    assert result.exit_code == 0
    assert "would be added: new.md" in result.output
    assert "would be updated: keep.md" in result.output
    assert "would be removed: gone.md" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("Dry run (nothing written)")
    assert set(posts(app)) == {"keep", "gone"}
    assert "Edited" not in posts(app)["keep"].html


def test_missing_files_are_reported_and_only_pruned_on_request(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("stays.md", tags="Common")
    gone = write_article("leaves.md", tags="Common, Lonely", category="Lonely Category")
    run_import(runner)
    gone.unlink()

    kept = run_import(runner)
    assert "file gone (kept; --prune removes it): leaves.md" in kept.output
    assert set(posts(app)) == {"stays", "leaves"}

    pruned = run_import(runner, "--prune")
    assert "1 removed" in pruned.output
    assert set(posts(app)) == {"stays"}
    with app.app_context():
        assert [t.slug for t in db.session.scalars(select(Tag))] == ["common"]
        assert db.session.scalars(select(Category)).all() == []
        assert db.session.get(RemovedPost, "leaves") is not None


def test_two_files_claiming_one_slug_are_both_named(app: Flask, runner: FlaskCliRunner,
                                                     write_article: ArticleWriter) -> None:
    write_article("a.md", slug="shared")
    write_article("b.md", slug="shared")

    result = run_import(runner)

    assert result.exit_code == 1
    assert re.search(r"b\.md:\d+: error: slug 'shared' is already used by \S*a\.md",
                     result.output)
    assert posts(app)["shared"].source_path == "a.md"


def test_tags_categories_authors_are_one_per_slug_in_the_first_spelling(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("newer.md", date="2025-05-01", tags="best practices", author="ADA LOVELACE")
    write_article("older.md", date="2025-01-01", tags="Best Practices, Python",
                  author="Ada Lovelace", category="Deep Dives")
    write_article("middle.md", date="2025-03-01", tags="Best-Practices", category="deep dives")

    assert run_import(runner).exit_code == 0

    with app.app_context():
        assert sorted((t.slug, t.name) for t in db.session.scalars(select(Tag))) == [
            ("best-practices", "Best Practices"), ("python", "Python")]
        assert [(a.slug, a.name) for a in db.session.scalars(select(Author))
                if a.slug == "ada-lovelace"] == [("ada-lovelace", "Ada Lovelace")]
        assert [c.name for c in db.session.scalars(select(Category))] == ["Deep Dives"]


def test_drafts_and_future_posts_are_imported_but_not_public(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("published.md")
    write_article("draft.md", draft="true")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S +0000")
    write_article("scheduled.md", date=tomorrow)

    assert run_import(runner).exit_code == 0

    assert set(posts(app)) == {"published", "draft", "scheduled"}
    with app.app_context():
        now = [p.slug for p in db.session.scalars(queries.public_posts())]
        later = [p.slug for p in db.session.scalars(
            queries.public_posts(datetime.now(UTC) + timedelta(days=2)))]
    assert now == ["published"]
    assert later == ["scheduled", "published"]  # its time came, with no re-import


def test_walks_subfolders_and_skips_non_articles(app: Flask, runner: FlaskCliRunner,
                                                 write_article: ArticleWriter,
                                                 content_dir: Path) -> None:
    write_article("2024/nested.markdown")
    write_article("_index.md")
    write_article(".hidden.md")
    write_article(".git/ignored.md")
    (content_dir / "notes.txt").write_text("not an article")

    result = run_import(runner)

    assert result.exit_code == 0
    assert set(posts(app)) == {"nested"}
    assert posts(app)["nested"].source_path == "2024/nested.markdown"


def test_renamed_slug_keeps_identity_and_old_address(app: Flask, runner: FlaskCliRunner,
                                                     write_article: ArticleWriter) -> None:
    write_article("post.md", slug="old-name", aliases="/blog/2019/ancient-name/")
    run_import(runner)
    before = posts(app)["old-name"]

    write_article("post.md", slug="new-name", aliases="/blog/2019/ancient-name/")
    run_import(runner)

    after = posts(app)["new-name"]
    assert after.guid == before.guid
    with app.app_context():
        aliases = {a.slug: (a.kind, a.post_id) for a in db.session.scalars(select(PostAlias))}
    assert aliases == {"old-name": ("renamed", after.id), "ancient-name": ("alias", after.id)}


def test_moved_file_keeps_the_post(app: Flask, runner: FlaskCliRunner,
                                   write_article: ArticleWriter) -> None:
    original = write_article("drafts/story.md", slug="story")
    run_import(runner)
    guid = posts(app)["story"].guid
    original.rename(original.parent.parent / "story.md")

    result = run_import(runner)

    assert result.exit_code == 0, result.output
    assert posts(app)["story"].guid == guid
    assert posts(app)["story"].source_path == "story.md"


def test_two_posts_can_swap_slugs_in_one_import(app: Flask, runner: FlaskCliRunner,
                                                write_article: ArticleWriter) -> None:
    write_article("a.md", slug="first")
    write_article("b.md", slug="second")
    run_import(runner)

    write_article("a.md", slug="second")
    write_article("b.md", slug="first")
    result = run_import(runner)

    assert result.exit_code == 0, result.output
    assert {slug: p.source_path for slug, p in posts(app).items()} == {
        "second": "a.md", "first": "b.md"}


def test_a_failure_part_way_leaves_the_database_as_it_was(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    write_article("existing.md", "Original.\n")
    run_import(runner)
    for number in range(6):
        write_article(f"new-{number}.md")
    write_article("existing.md", "Changed.\n")
    calls = []
    real_write = writing.write_batch

    def failing_write(*args: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real_write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "WRITE_BATCH", 2)
    monkeypatch.setattr(writing, "write_batch", failing_write)

    result = runner.invoke(args=["import-posts"])

    assert isinstance(result.exception, RuntimeError)
    assert set(posts(app)) == {"existing"}
    assert "Original." in posts(app)["existing"].html
    assert count(app, ImportRun) == 1


def test_no_progress_bar_off_a_terminal_but_always_a_summary(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("post.md")

    result = run_import(runner)

    assert "Reading" not in result.output and "Rendering" not in result.output
    assert re.search(r"^Import: 1 added, 0 updated, 0 unchanged, 0 removed, 0 warnings, "
                     r"0 errors in \d+\.\d\d s$", result.output, re.MULTILINE)


def test_an_import_is_recorded_with_its_summary(app: Flask, runner: FlaskCliRunner,
                                                write_article: ArticleWriter) -> None:
    write_article("one.md")
    run_import(runner)

    with app.app_context():
        run = db.session.scalars(select(ImportRun)).one()
    assert (run.added, run.updated, run.errors) == (1, 0, 0)


def test_missing_folder_is_a_clear_usage_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = run_import(runner, str(tmp_path / "nope"))

    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.corpora
def test_real_corpora_import_without_errors_and_reimport_changes_nothing(
        app: Flask, runner: FlaskCliRunner, article_corpora: Path) -> None:
    folder = article_corpora
    first = run_import(runner, str(folder))
    # The only errors: images the snapshots lack (the corpora's README says which are gone);
    # their posts import all the same.
    errors = re.findall(r"^\S+:\d+: error: (.*)$", first.output, re.MULTILINE)
    assert errors and all(": there is no file " in error for error in errors), first.output
    added = int(re.search(r"(\d+) added", first.output).group(1))  # type: ignore[union-attr]
    articles = [p for p in folder.rglob("*") if p.suffix in (".md", ".markdown")
                and not p.name.startswith(("_", "."))]
    assert added == len(articles)

    second = run_import(runner, str(folder))
    assert second.exit_code == 0
    assert f"0 added, 0 updated, {added} unchanged, 0 removed" in second.output

    by_slug = posts(app)
    seed = by_slug["building-scalable-python-applications"]
    assert seed.title == "Building Scalable Python Applications: Best Practices"
    assert "â€" not in seed.source and "—" in seed.source
    assert re.search(r"seed/building-scalable-python-applications\.md:247: warning: repaired "
                     r"mojibake: 'â€”' became '—'", first.output)
    jekyll = by_slug["security-fixes-for-3-6-3-7-3-8"]
    assert jekyll.published_at == datetime(2018, 9, 19, 12, 30, tzinfo=UTC)
    assert by_slug["markdown-syntax"].excerpt.startswith("Sample article showcasing")
    rich = by_slug["rich-content"]
    assert "{{&lt; youtube ZJthWmvUzzc &gt;}}" in rich.html  # shown as text, not executed
    assert "template tags" in first.output


def test_a_new_pipeline_re_renders_every_post(app: Flask, runner: FlaskCliRunner,
                                              write_article: ArticleWriter,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_article("a.md")
    write_article("b.md")
    run_import(runner)
    planning.pipeline_fingerprint.cache_clear()
    monkeypatch.setattr(planning, "_pipeline_source_digest", lambda: "code of a new release")

    result = run_import(runner)
    planning.pipeline_fingerprint.cache_clear()

    assert "0 added, 2 updated, 0 unchanged" in result.output


def test_maths_is_stored_as_mathml_and_bad_tex_is_a_warning_on_its_line(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("maths.md", "Pay $5 and $10 for $x^2$.\n\n$$\n\\foo\n$$\n")

    result = run_import(runner)

    assert result.exit_code == 0, result.output
    assert re.search(r"maths\.md:8: warning: maths not converted, shown as code: unknown "
                     r"command \\foo\n    hint: ", result.output)
    assert "1 added" in result.output and "1 warnings" in result.output
    html = posts(app)["maths"].html
    assert "Pay $5 and $10 for <math" in html and "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert '<code>$$\n\\foo\n$$</code>' in html


def test_turning_inline_dollars_off_renders_every_post_again(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("maths.md", "Inline $x$ and \\(y\\).\n")
    run_import(runner)
    assert posts(app)["maths"].html.count("<math") == 2

    app.config["MATH_INLINE_DOLLARS"] = False
    result = run_import(runner)

    assert "0 added, 1 updated, 0 unchanged" in result.output
    assert posts(app)["maths"].html.startswith("<p>Inline $x$ and <math")
def test_check_links_reports_broken_links_by_file_and_line(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> None:
    write_article("a.md", "Intro.\n\n[fine](b.md) and [gone](nowhere.md#part)\n")
    write_article("b.md", "[back](/posts/a)\n")
    assert run_import(runner).exit_code == 0

    result = runner.invoke(args=["check-links"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert re.fullmatch(r".*content/a\.md:8: error: link to 'nowhere\.md#part': there is no "
                        r"article nowhere\.md", lines[0]), lines
    assert lines[-1] == "Links: 3 links between posts: 1 broken"


def test_check_links_external_asks_other_sites_and_exits_1_when_one_is_broken(
        app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter,
        remote: Remote) -> None:
    app.config.update(LINK_CHECK_HOST_INTERVAL=0, LINK_CHECK_TIMEOUT=0.5)
    write_article("a.md", f"[ok]({remote.url('/ok')})\n\n[moved]({remote.url('/moved')})\n")
    assert run_import(runner).exit_code == 0

    fine = runner.invoke(args=["check-links", "--external"])
    write_article("b.md", f"Intro.\n\n[gone]({remote.url('/missing')})\n")
    assert run_import(runner).exit_code == 0
    broken = runner.invoke(args=["check-links", "--external"])

    assert fine.exit_code == 0, fine.output
    assert re.fullmatch(r".*content/a\.md:8: warning: link to '\S+/moved' redirects \(301\) "
                        r"to '\S+/ok'", fine.output.splitlines()[0])
    assert "hint: link to the new address" in fine.output
    assert broken.exit_code == 1
    assert re.search(r"content/b\.md:8: error: link to '\S+/missing': answers 404", broken.output)
    assert broken.output.splitlines()[-1] == (
        "Links: 0 links between posts, 3 links to 3 addresses on other sites (1 asked, "
        "2 remembered): 1 broken")
    assert remote.asked("/moved") == ["HEAD"]  # the second run remembered it


def test_an_import_leaves_sqlites_write_ahead_log_empty(
        app: Flask, runner: FlaskCliRunner, database_url: str,
        write_article: ArticleWriter) -> None:
    """The log is folded into the database after each import: it grew to 400 MB over imports,
    and a later one-line edit spent 0.4 s copying it back."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a write-ahead log is SQLite's")
    for n in range(20):
        write_article(f"post-{n}.md", "Some text.\n" * 50)

    result = run_import(runner)

    assert result.exit_code == 0, result.output
    wal = Path(database_url.removeprefix("sqlite:///") + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
