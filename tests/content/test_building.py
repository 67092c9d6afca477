"""Rendering one planned file (app/content/building.py): what it returns, never raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.building import BuildJob, BuiltPost, build_file
from app.content.links import FoundLink
from app.content.metadata import MetaSettings
from app.content.planning import digest, parse_article, pipeline_fingerprint

SETTINGS = MetaSettings()


def job_for(folder: Path, name: str, text: str, **changes: object) -> BuildJob:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    meta, _, _ = parse_article(data, name, SETTINGS)
    fields: dict[str, object] = {"folder": str(folder), "rel": name, "settings": SETTINGS,
                                 "digest": digest(pipeline_fingerprint(SETTINGS), data),
                                 "meta": meta, **changes}
    return BuildJob(**fields)  # type: ignore[arg-type]


ARTICLE = "---\ntitle: Hello\ndate: 2026-01-15\n---\n\n# Hello\n\nSome *text* here.\n\n## Part\n"


def test_a_file_builds_into_a_post(tmp_path: Path) -> None:
    job = job_for(tmp_path, "hello.md", ARTICLE)

    built = build_file(job)

    assert built.error is None and isinstance(built.post, BuiltPost)
    assert built.post.digest == job.digest
    assert built.post.text == ARTICLE
    assert "<em>text</em>" in built.post.html and "<h1" not in built.post.html
    assert [entry["name"] for entry in built.post.toc] == ["Part"]
    assert built.post.excerpt == "Some text here."
    assert "Some text here." in built.post.search_text
    assert built.post.reading_minutes == 1


def test_a_file_changed_since_the_plan_is_an_error(tmp_path: Path) -> None:
    job = job_for(tmp_path, "hello.md", ARTICLE)
    (tmp_path / "hello.md").write_text(ARTICLE + "\nMore.\n", encoding="utf-8")

    built = build_file(job)

    assert built.post is None and built.error is not None
    assert (built.error.line, built.error.message) == (
        1, "the file changed while it was being imported")


def test_an_error_in_the_body_is_placed_on_its_file_line(tmp_path: Path) -> None:
    job = job_for(tmp_path, "deep.md", "---\ntitle: Deep\ndate: 2026-01-15\n---\n\ntext\n\n"
                  + "> " * 101 + "x\n")

    built = build_file(job)

    assert built.error is not None and built.error.line == 8


# A timer signal may land in a garbage-collector callback (Hypothesis installs one), where
# Python reports the TooSlow as unraisable and carries on; the timer strikes again, which is
# what this test holds (app.content.workers.time_limit), so that report is not a failure.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_render_that_takes_too_long_is_an_error(tmp_path: Path) -> None:
    paragraph = "Some *emphasis*, a [link](https://example.com) and `code`. " * 4 + "\n\n"
    job = job_for(tmp_path, "long.md", "---\ntitle: Long\ndate: 2026-01-15\n---\n\n"
                  + paragraph * 8000, render_seconds=0.5)

    built = build_file(job)

    assert built.error is not None
    assert (built.error.line, built.error.message) == (
        5, "the Markdown was still rendering after 0.5 s; not imported")


def test_maths_that_cannot_be_converted_is_a_warning_on_its_file_line(tmp_path: Path) -> None:
    job = job_for(tmp_path, "maths.md", "---\ntitle: Maths\ndate: 2026-01-15\n---\n\n"
                  "Fine $x$.\n\nBroken $\\frac{a}$.\n")

    built = build_file(job)

    assert built.post is not None and built.error is None
    assert "Fine x. Broken $\\frac{a}$." in built.post.search_text  # maths is searched as TeX
    assert [(n.line, n.message) for n in built.notices] == [
        (8, "maths not converted, shown as code: \\frac, \\sqrt[], ^, _ or \\limits is missing "
            "a part")]


def test_inline_dollars_follow_the_setting(tmp_path: Path) -> None:
    off = MetaSettings(math_inline_dollars=False)
    job = job_for(tmp_path, "dollars.md", "---\ntitle: Dollars\ndate: 2026-01-15\n---\n\n"
                  "Say $x$ or \\(y\\).\n", settings=off,
                  digest=digest(pipeline_fingerprint(off),
                                b"---\ntitle: Dollars\ndate: 2026-01-15\n---\n\nSay $x$ or "
                                b"\\(y\\).\n"))

    built = build_file(job)

    assert built.post is not None
    assert "Say $x$ or <math" in built.post.html


def test_links_that_may_lead_to_articles_come_back_with_their_file_lines(tmp_path: Path) -> None:
    job = job_for(tmp_path, "hello.md", ARTICLE + "\n[next](next.md#a), [out](https://x.test/)"
                  " and [old](/posts/old).\n")

    built = build_file(job)

    assert built.post is not None
    assert built.post.links == (FoundLink("next.md#a", 12), FoundLink("/posts/old", 12))
