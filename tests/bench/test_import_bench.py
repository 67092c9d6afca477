"""bench/import_bench.py's own logic for the image-heavy site and the corpus' photos: the Liquid
stand-ins, the copy it imports, the counts it reports and the photos it writes. No timings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from PIL import Image

from tests.bench import load_bench_script

ib = load_bench_script("import_bench")

JEKYLL_POST = """---
layout: post
title: "From GAN to WGAN"
image: "GAN.png"
---

![GAN]({{ '/assets/images/GAN.png' | relative_url }})

<img src="{{ site.baseurl }}/assets/images/WGAN.png" alt="WGAN">

See [part 1]({{ site.baseurl }}{% post_url 2017-06-21-part-1 %}).
image: "not-front-matter.png"
"""


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("![a]({{ '/assets/images/ANN.png' | relative_url }})", "![a](/assets/images/ANN.png)"),
        ('<img src="{{ "/assets/a.png" | relative_url }}">', '<img src="/assets/a.png">'),
        ("![a]({{site.baseurl}}/assets/images/a.png)", "![a](/assets/images/a.png)"),
        ("![a]({{- '/assets/a.png'|relative_url -}})", "![a](/assets/a.png)"),
    ],
)
def test_liquid_around_a_site_path_becomes_the_path(written: str, plain: str) -> None:
    assert ib.rewrite_liquid_paths(written) == (plain, 1)


@pytest.mark.parametrize(
    "other_liquid",
    [
        "[part 1]({{ site.baseurl }}{% post_url 2017-06-21-part-1 %})",
        "{{ 'assets/relative.png' | relative_url }}",
        "{{ '/assets/a.png' | absolute_url }}",
        "$$ {{x}} $$",
    ],
)
def test_other_liquid_is_left_as_written(other_liquid: str) -> None:
    assert ib.rewrite_liquid_paths(other_liquid) == (other_liquid, 0)


@pytest.mark.parametrize(
    ("front_matter", "rewritten"),
    [
        ('image: "GAN.png"', 'image: "/assets/images/GAN.png"'),
        ("image: klay-thompson.jpg", "image: /assets/images/klay-thompson.jpg"),
        ("image: /assets/images/a.png", None),
        ("image: https://example.com/a.png", None),
    ],
)
def test_a_bare_front_matter_image_gets_the_themes_folder(
        front_matter: str, rewritten: str | None) -> None:
    text = f"---\ntitle: A\n{front_matter}\n---\nBody.\n"

    expected = (text, 0) if rewritten is None else (text.replace(front_matter, rewritten), 1)
    assert ib.rewrite_theme_image(text) == expected


def test_prepare_copies_posts_and_assets_and_rewrites_only_the_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ib, "WORK", tmp_path / "work")
    source = tmp_path / "site"
    for folder in ("_posts", "assets/images", "_layouts"):
        (source / folder).mkdir(parents=True)
    post = source / "_posts" / "2017-08-20-from-GAN-to-WGAN.md"
    post.write_text(JEKYLL_POST, encoding="utf-8")
    (source / "assets" / "images" / "GAN.png").write_bytes(b"png")
    (source / "_layouts" / "post.html").write_text("{{ content }}", encoding="utf-8")
    dest = tmp_path / "work" / "lil-log"

    assert ib.prepare_lil_log(source, dest) == (2, 1)

    copy = (dest / "_posts" / post.name).read_text(encoding="utf-8")
    assert 'image: "/assets/images/GAN.png"' in copy
    assert "![GAN](/assets/images/GAN.png)" in copy and 'src="/assets/images/WGAN.png"' in copy
    assert "{{ site.baseurl }}{% post_url" in copy and 'image: "not-front-matter.png"' in copy
    assert (dest / "assets" / "images" / "GAN.png").read_bytes() == b"png"
    assert not (dest / "_layouts").exists()
    assert post.read_text(encoding="utf-8") == JEKYLL_POST


def test_prepare_refuses_a_site_without_posts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ib, "WORK", tmp_path)
    (tmp_path / "site" / "assets").mkdir(parents=True)

    with pytest.raises(ib.StepError, match="lacks _posts"):
        ib.prepare_lil_log(tmp_path / "site", tmp_path / "copy")


@pytest.mark.parametrize(
    ("summary", "errors"),
    [
        ("Import: 20 added, 0 updated, 0 unchanged, 0 removed (files: 304 stored, 0 removed), "
         "44 warnings, 18 errors in 155.81 s", 18),
        ("Import: 1 added, 0 updated, 0 unchanged, 0 removed, 0 warnings, 1 error in 1 s", 1),
        ("Nothing changed: the database already matches the files.", 0),
    ],
)
def test_import_errors_come_from_the_summary_line(summary: str, errors: int) -> None:
    assert ib.import_errors(summary) == errors


def test_count_rows_counts_posts_source_files_and_variants(tmp_path: Path) -> None:
    db_path = tmp_path / "folio.sqlite3"
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("create table posts (id integer primary key)")
        conn.execute("create table media_files (key text primary key, digest text)")
        conn.executemany("insert into posts (id) values (?)", [(1,), (2,)])
        conn.executemany("insert into media_files values (?, ?)",
                         [("a/x.png", "a"), ("a/x-480.webp", "a"), ("b/y.jpg", "b")])

    assert ib.count_rows(db_path) == (2, 2, 3)


def lil_log_runs(media_digests: int, nochange_s: float = 0.4) -> object:
    def run(wall_s: float, peak_mb: float, summary: str, stderr: str = "") -> object:
        return ib.RunResult(wall_s, peak_mb, 5, 1, f"added: x\nImport: {summary}\n", stderr)

    stderr = ("a.md:7: error: 'x.png': there is no file\n"
              "a.md:9: error: 'y.png': there is no file\nb.md:3: error: maths\n"
              "c.md:4: warning: template tags are not executed\n")
    cold = run(60.0, 280.0, "37 added, 3 errors in 59 s", stderr)
    nochange = run(nochange_s, 90.0, "37 unchanged, 3 errors in 0.2 s")
    return ib.SiteRuns(cold, nochange, 37, 505, 15, 34, media_digests, media_digests * 9)


def test_lil_log_report_gives_counts_times_and_targets() -> None:
    text = ib.render_lil_log(ib.LilLogResult(lil_log_runs(500)))

    assert "| lil-log (Jekyll) | 34 / 37 | 500 (4500) | 3 in 2 files | 60.00 | 0.40 | 280 |" in text
    assert "with 505 Liquid image paths" in text and "and 15 front-matter `image` names" in text
    assert "- no-change re-import < 1 s: met (0.40 s)" in text
    assert "- peak memory < 300 MB: met (280 MB)" in text
    assert "- media files stored: met (500 files)" in text


@pytest.mark.parametrize(
    ("summary", "changes"),
    [
        ("Import: 3 added, 34 updated, 0 unchanged, 0 removed (files: 37 stored, 0 removed), "
         "58 warnings, 3 errors in 24.42 s", 37),
        ("Import: 0 added, 0 updated, 37 unchanged, 0 removed, 0 warnings, 0 errors in 0.30 s", 0),
        ("Nothing changed: the database already matches the files.", 0),
    ],
)
def test_import_changes_are_the_posts_added_or_updated(summary: str, changes: int) -> None:
    assert ib.import_changes(summary) == changes


def test_a_no_change_run_that_imported_posts_again_is_not_judged() -> None:
    runs = lil_log_runs(500, nochange_s=25.48)
    runs.nochange = ib.RunResult(25.48, 150.0, 1, 1,
                                 "Import: 3 added, 34 updated, 0 unchanged, 3 errors in 24 s", "")
    result = ib.LilLogResult(runs)

    assert ("- no-change re-import < 1 s: not measured (25.48 s, but 37 posts were imported "
            "again)") in ib.render_lil_log(result)
    assert "- lil-log: the no-change re-import imported posts again" in ib.render_notes(
        [], [], result)


def test_lil_log_report_without_media_says_missed_and_main_fails(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(ib, "WORK", tmp_path)
    monkeypatch.setattr(ib, "shared_dir", lambda: tmp_path)
    monkeypatch.setattr(ib, "bench_lil_log", lambda shared, python: lil_log_runs(0, 1.5))

    assert ib.main(["--lil-log-only"]) == 1

    report = capsys.readouterr().out
    assert "- no-change re-import < 1 s: MISSED (1.50 s)" in report
    assert "- media files stored: MISSED (0 files)" in report
    assert "- lil-log: FAILED: lil-log: no media file stored" in report
    assert "Targets at 10,000 posts" not in report


def test_cover_images_are_the_distinct_front_matter_images(tmp_path: Path) -> None:
    posts = {"a": "image: /static/images/code-review.jpg", "b": "image: '/static/images/x.png'",
             "c": "image: /static/images/code-review.jpg", "d": "title: no image"}
    for name, line in posts.items():
        body = "image: /static/images/in-the-body.jpg\n"
        (tmp_path / f"{name}.md").write_text(f"---\n{line}\n---\n{body}", encoding="utf-8")

    assert ib.cover_images(tmp_path) == ["/static/images/code-review.jpg", "/static/images/x.png"]


def test_photos_are_1200_by_800_jpegs_distinct_by_name_and_stable(tmp_path: Path) -> None:
    paths = ["/static/images/a.jpg", "/static/images/b.jpg"]
    cmd = ib.photo_command(Path(sys.executable), tmp_path, paths)
    subprocess.run([str(part) for part in cmd], check=True, timeout=60)
    first = [(tmp_path / p.lstrip("/")).read_bytes() for p in paths]
    subprocess.run([str(part) for part in cmd], check=True, timeout=60)

    with Image.open(tmp_path / "static" / "images" / "a.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (1200, 800))
    assert first[0] != first[1]
    assert [(tmp_path / p.lstrip("/")).read_bytes() for p in paths] == first


def test_photo_command_refuses_a_path_out_of_the_corpus(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        ib.photo_command(Path(sys.executable), tmp_path / "corpus", ["/../escape.jpg"])
