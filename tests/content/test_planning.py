"""Which files changed and what writing them means, without a database
(app/content/planning.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.content.metadata import ArticleMeta, MetaSettings
from app.content.planning import (
    Examined,
    Existing,
    digest,
    examine,
    pipeline_fingerprint,
    plan,
)
from app.content.problems import ContentError
from app.content.report import ImportReport, NoProgress

SETTINGS = MetaSettings()


def meta(slug: str, aliases: tuple[str, ...] = ()) -> ArticleMeta:
    return ArticleMeta(title=slug.title(), slug=slug, author="Ada",
                       published_at=datetime(2026, 1, 15, tzinfo=UTC), updated_at=None,
                       category=None, tags=[], reading_minutes=None, image=None,
                       image_alt=None, excerpt=None, draft=False, aliases=list(aliases),
                       key_lines={"slug": 3, "aliases": 4})


def examined(rel: str, slug: str, *aliases: str) -> Examined:
    return Examined(rel, f"digest of {rel}", meta(slug, aliases))


def test_examine_skips_files_whose_hash_the_database_has(tmp_path: Path) -> None:
    for name in ("same.md", "changed.md", "new.md"):
        (tmp_path / name).write_text(f"---\ntitle: {name}\ndate: 2026-01-15\n---\n")
    fingerprint = pipeline_fingerprint(SETTINGS)
    existing = {"same.md": Existing(1, "same", digest(fingerprint,
                                                        (tmp_path / "same.md").read_bytes())),
                "changed.md": Existing(2, "changed", "an older digest")}
    report = ImportReport("content")

    found = examine(tmp_path, ["changed.md", "new.md", "same.md"], existing, SETTINGS, 1,
                    NoProgress(), report)

    assert report.unchanged == 1
    assert [(item.rel, item.meta is not None) for item in found] == [
        ("changed.md", True), ("new.md", True)]


def test_a_slug_taken_by_another_file_is_an_error_on_the_slug_line() -> None:
    report = ImportReport("content")

    plans = plan([examined("a.md", "same"), examined("b.md", "same")], {}, {"a.md", "b.md"},
                 False, report)

    assert [p.rel for p in plans] == ["a.md"]
    assert [(e.path, e.line, e.message) for e in report.errors] == [
        ("content/b.md", 3, "slug 'same' is already used by content/a.md")]


def test_a_moved_file_keeps_the_post_of_its_old_path() -> None:
    report = ImportReport("content")
    existing = {"old/post.md": Existing(7, "post", "d")}

    [moved] = plan([examined("post.md", "post")], existing, {"post.md"}, False, report)

    assert (moved.post_id, moved.old_slug, moved.renamed) == (7, "post", False)
    assert (report.updated, report.missing) == (["post.md"], [])


def test_a_slug_of_a_gone_file_is_free_only_with_prune() -> None:
    existing = {"gone.md": Existing(7, "taken", "d"), "kept.md": Existing(8, "kept", "d")}
    waiting = ImportReport("content")
    plan([examined("kept.md", "taken")], existing, {"kept.md"}, False, waiting)
    assert "whose file is gone" in waiting.errors[0].message

    pruning = ImportReport("content")
    [renamed] = plan([examined("kept.md", "taken")], existing, {"kept.md"}, True, pruning)
    assert renamed.renamed and pruning.removed == ["gone.md"]


def test_aliases_go_to_the_first_file_that_asks_and_never_take_a_slug() -> None:
    report = ImportReport("content")
    plans = plan([examined("a.md", "a", "old", "b"), examined("b.md", "b", "old")], {},
                 {"a.md", "b.md"}, False, report)

    assert [(p.rel, p.aliases) for p in plans] == [("a.md", ["old"]), ("b.md", [])]
    assert [w.message for w in report.warnings] == [
        "alias 'b' is the slug of content/b.md; ignored",
        "alias 'old' is already an alias of content/a.md; ignored"]


def test_errors_of_unreadable_files_are_reported_and_nothing_is_planned() -> None:
    report = ImportReport("content")
    broken = Examined("bad.md", "", errors=[ContentError(2, "invalid YAML frontmatter: x")])

    assert plan([broken], {}, {"bad.md"}, False, report) == []
    assert [str(e).splitlines()[0] for e in report.errors] == [
        "content/bad.md:2: error: invalid YAML frontmatter: x"]


def test_the_maths_setting_is_part_of_every_files_hash() -> None:
    """Turning inline dollars on or off changes how posts render: all are rendered again."""
    assert pipeline_fingerprint(MetaSettings(math_inline_dollars=False)) != \
        pipeline_fingerprint(MetaSettings(math_inline_dollars=True))
