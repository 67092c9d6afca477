"""Which files changed and what writing them means, without a database
(app/content/planning.py)."""

from __future__ import annotations

import ast
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from app.content import planning
from app.content.metadata import ArticleMeta, MetaSettings
from app.content.planning import (
    Examination,
    Examined,
    Existing,
    digest,
    examine,
    pipeline_fingerprint,
    plan,
    source_stamp,
)
from app.content.problems import ContentError
from app.content.report import ImportReport, NoProgress

SETTINGS = MetaSettings()


def meta(slug: str, aliases: tuple[str, ...] = (), kind: str = "post",
         url: str | None = None) -> ArticleMeta:
    return ArticleMeta(title=slug.title(), slug=slug, author="Ada",
                       published_at=datetime(2026, 1, 15, tzinfo=UTC), updated_at=None,
                       category=None, tags=[], reading_minutes=None, image=None,
                       image_alt=None, excerpt=None, draft=False, aliases=list(aliases),
                       kind=kind, url=url, key_lines={"slug": 3, "aliases": 4, "url": 5})


def examined(rel: str, slug: str, *aliases: str) -> Examined:
    return Examined(rel, f"digest of {rel}", meta=meta(slug, aliases))


def page(rel: str, slug: str, url: str | None = None) -> Examined:
    return Examined(rel, f"digest of {rel}", meta=meta(slug, kind="page", url=url))


def write_old(path: Path, text: str) -> Path:
    """A file last modified an hour ago: outside the racy window, so it gets a stamp."""
    path.write_text(text, encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    return path


def known(folder: Path, rel: str, post_id: int, **changes: object) -> Existing:
    """The database's record of ``rel`` as an import of it now would leave it."""
    fingerprint = pipeline_fingerprint(SETTINGS)
    data = (folder / rel).read_bytes()
    stamp = source_stamp(fingerprint, os.stat(folder / rel), time.time_ns())
    fields: dict[str, object] = {"id": post_id, "slug": rel[:-3],
                                 "digest": digest(fingerprint, data), "stamp": stamp, **changes}
    return Existing(**fields)  # type: ignore[arg-type]


def scan(folder: Path, existing: dict[str, Existing]) -> tuple[Examination, ImportReport]:
    report = ImportReport("content")
    paths = sorted(path.name for path in folder.iterdir())
    return examine(folder, paths, existing, SETTINGS, 1, NoProgress(), report), report


def test_examine_reads_only_changed_and_unknown_files(tmp_path: Path) -> None:
    for name in ("same.md", "changed.md", "new.md"):
        write_old(tmp_path / name, f"---\ntitle: {name}\ndate: 2026-01-15\n---\n")
    existing = {"same.md": known(tmp_path, "same.md", 1),
                "changed.md": known(tmp_path, "changed.md", 2, digest="older", stamp="older")}

    examination, report = scan(tmp_path, existing)

    assert report.unchanged == 1 and examination.restamped == []
    assert [(item.rel, item.meta is not None, item.stamp is not None)
            for item in examination.changed] == [("changed.md", True, True),
                                                 ("new.md", True, True)]


def test_a_file_whose_stamp_matches_is_not_even_read(tmp_path: Path) -> None:
    path = write_old(tmp_path / "same.md", "---\ntitle: Same\ndate: 2026-01-15\n---\n")
    existing = {"same.md": known(tmp_path, "same.md", 1)}
    path.chmod(0)  # reading it would fail
    try:
        examination, report = scan(tmp_path, existing)
    finally:
        path.chmod(0o644)

    assert (report.unchanged, examination.changed, report.errors) == (1, [], [])


def test_a_touched_file_is_read_found_unchanged_and_restamped(tmp_path: Path) -> None:
    path = write_old(tmp_path / "same.md", "---\ntitle: Same\ndate: 2026-01-15\n---\n")
    existing = {"same.md": known(tmp_path, "same.md", 1)}
    two_hours_ago = time.time() - 7200
    os.utime(path, (two_hours_ago, two_hours_ago))

    examination, report = scan(tmp_path, existing)

    assert (report.unchanged, examination.changed) == (1, [])
    [(post_id, stamp)] = examination.restamped
    assert post_id == 1 and stamp is not None and stamp != existing["same.md"].stamp


def test_a_file_modified_moments_ago_gets_no_stamp(tmp_path: Path) -> None:
    fingerprint = pipeline_fingerprint(SETTINGS)
    old = write_old(tmp_path / "old.md", "text")
    fresh = tmp_path / "fresh.md"
    fresh.write_text("text", encoding="utf-8")
    now = time.time_ns()

    assert source_stamp(fingerprint, os.stat(old), now) is not None
    assert source_stamp(fingerprint, os.stat(fresh), now) is None


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


def test_the_maths_settings_are_part_of_every_files_hash() -> None:
    """Turning maths or inline dollars on or off changes how posts render: all are rendered
    again."""
    assert pipeline_fingerprint(MetaSettings(math_inline_dollars=False)) != \
        pipeline_fingerprint(MetaSettings(math_inline_dollars=True))
    assert pipeline_fingerprint(MetaSettings(maths=False)) != \
        pipeline_fingerprint(MetaSettings(maths=True))


def test_two_pages_at_one_address_is_an_error_on_the_url_line() -> None:
    report = ImportReport("content")

    plans = plan([page("pages/about.md", "about"), page("team.md", "team", "/about")], {},
                 {"pages/about.md", "team.md"}, False, report)

    assert [p.rel for p in plans] == ["pages/about.md"]
    assert [(e.path, e.line, e.message) for e in report.errors] == [
        ("content/team.md", 5, "the address /about is already the page content/pages/about.md")]


def test_an_unchanged_page_keeps_its_address() -> None:
    report = ImportReport("content")
    existing = {"pages/about.md": Existing(1, "about", "d", address="/about")}

    plans = plan([page("team.md", "team", "/about")], existing, {"pages/about.md", "team.md"},
                 False, report)

    assert plans == [] and "already the page content/pages/about.md" in report.errors[0].message


def test_the_address_of_a_gone_page_is_free_only_with_prune() -> None:
    existing = {"gone.md": Existing(1, "gone", "d", address="/about")}
    waiting = ImportReport("content")
    assert plan([page("team.md", "team", "/about")], existing, {"team.md"}, False, waiting) == []
    assert "whose file is gone" in waiting.errors[0].message
    assert "--prune" in waiting.errors[0].hint

    pruning = ImportReport("content")
    [taken] = plan([page("team.md", "team", "/about")], existing, {"team.md"}, True, pruning)
    assert (taken.post_id, pruning.removed) == (None, ["gone.md"])


def test_a_moved_page_file_keeps_its_post_and_address() -> None:
    report = ImportReport("content")
    existing = {"about.md": Existing(7, "about", "d", address="/about")}

    [moved] = plan([page("pages/about.md", "about")], existing, {"pages/about.md"}, False, report)

    assert (moved.post_id, moved.old_address, moved.moved) == (7, "/about", False)
    assert report.errors == []


def test_a_page_given_a_new_url_has_moved() -> None:
    report = ImportReport("content")
    existing = {"about.md": Existing(7, "about", "d", address="/about")}

    [changed] = plan([page("about.md", "about", "/who")], existing, {"about.md"}, False, report)

    assert (changed.old_address, changed.meta.address, changed.moved) == ("/about", "/who", True)


def test_two_pages_may_trade_addresses_in_one_import() -> None:
    report = ImportReport("content")
    existing = {"a.md": Existing(1, "a", "d", address="/x"),
                "b.md": Existing(2, "b", "d", address="/y")}

    plans = plan([page("a.md", "a", "/y"), page("b.md", "b", "/x")], existing, {"a.md", "b.md"},
                 False, report)

    assert [(p.post_id, p.meta.address) for p in plans] == [(1, "/y"), (2, "/x")]
    assert report.errors == []


# Modules the pipeline imports that shape no stored post: the plan itself, and the wording of
# problems and of the import's report.
NOT_SHAPING_POSTS = {"planning", "problems", "report"}


def _imported_content_modules(start: list[str]) -> set[str]:
    package = Path(planning.__file__).parent
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "app.content."):
                module = "/".join((node.module or "").split(".")[2:])
                if (package / f"{module}.py").is_file():
                    todo.append(module)
    return {name for name in seen if not name.startswith("sites/")}


def test_every_module_that_shapes_a_post_is_in_the_fingerprint() -> None:
    # dialects.py and notebooks.py were missing: a fix to GFM lists left the posts of every
    # Jekyll and Hugo site as they were rendered before it.
    readers = [f"sites/{path.stem}" for path in
               (Path(planning.__file__).parent / "sites").glob("*.py")]
    used = _imported_content_modules(["building", *readers])
    assert used - NOT_SHAPING_POSTS <= set(planning.PIPELINE_MODULES)
