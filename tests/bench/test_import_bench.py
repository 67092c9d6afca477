"""bench/import_bench.py's own logic for the real sites and the corpus' photos: the options,
the counts read from the importer's output and the database, the sites' table and targets, and
the photos it writes. No timings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from PIL import Image

from tests.bench import load_bench_script

ib = load_bench_script("import_bench")

ENGINES = {"jekyll-lil-log": ("jekyll", "_config.yml"), "hugo-jessfraz": ("hugo", "config.toml"),
           "pelican-pybites": ("pelican", "pelicanconf.py")}


def site_runs(
    name: str = "jekyll-lil-log",
    *,
    cold_s: float = 41.2,
    nochange_s: float = 0.4,
    peak_mb: float = 280.0,
    posts: int = 37,
    pages: int = 4,
    media: int = 500,
    engine: tuple[str, str] | None = None,
    nochange_summary: str = "0 added, 0 updated, 41 unchanged, 0 removed, 0 warnings, "
                            "3 errors in 0.10 s",
) -> object:
    """Fake runs of a site, as bench_site returns them: a cold import that exited 1."""
    found, config_file = engine or ENGINES[name]
    site_line = f"Site: {found}, recognised by {config_file}\n  time zone: Europe/Paris\n"
    cold_out = (f"{site_line if found != 'folio' else ''}added: _posts/a.md\n"
                f"Import: {posts + pages} added, 0 updated, 0 unchanged, 0 removed (files: "
                f"{media} stored, 0 removed) ({found} constructs: 1200 translated, 2 left as "
                f"text), 58 warnings, 3 errors in {cold_s - 1:.2f} s\n")
    cold = ib.RunResult(cold_s, peak_mb, 3, 1, cold_out, "a.md:7: error: 'x.png' is missing\n")
    nochange = ib.RunResult(nochange_s, 90.0, 1, 1, f"{site_line}Import: {nochange_summary}\n", "")
    return ib.SiteRuns(cold, nochange, posts, pages, media, media * 9)


# ---------------------------------------------------------------- the importer's output


@pytest.mark.parametrize(
    ("summary", "errors", "warnings"),
    [
        ("Import: 20 added, 0 updated, 0 unchanged, 0 removed (files: 304 stored, 0 removed) "
         "(jekyll constructs: 12 translated, 1 left as text), 44 warnings, 18 errors in 155.81 s",
         18, 44),
        ("Import: 1 added, 0 updated, 0 unchanged, 0 removed, 1 warning, 1 error in 1 s", 1, 1),
        ("Nothing changed: the database already matches the files.", 0, 0),
    ],
)
def test_errors_and_warnings_come_from_the_summary_line(
        summary: str, errors: int, warnings: int) -> None:
    assert (ib.import_errors(summary), ib.import_warnings(summary)) == (errors, warnings)


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


@pytest.mark.parametrize(
    ("stdout", "engine"),
    [
        ("Site: jekyll, recognised by _config.yml\n  base URL: /lil-log\nImport: 1 added",
         ("jekyll", "_config.yml")),
        ("Site: hugo, recognised by config/_default/hugo.toml  \nImport: 1 added",
         ("hugo", "config/_default/hugo.toml")),
        ("added: a.md\nImport: 1 added, 0 updated", ("folio", "")),
    ],
)
def test_the_engine_is_the_one_the_importer_says_it_recognised(
        stdout: str, engine: tuple[str, str]) -> None:
    assert ib.recognised_engine(stdout) == engine


def test_count_rows_splits_posts_and_pages_and_counts_media_sources_and_variants(
        tmp_path: Path) -> None:
    db_path = tmp_path / "folio.sqlite3"
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("create table posts (id integer primary key, kind text default 'post')")
        conn.execute("create table media_files (key text primary key, digest text)")
        conn.executemany("insert into posts (id, kind) values (?, ?)",
                         [(1, "post"), (2, "post"), (3, "page")])
        conn.executemany("insert into media_files values (?, ?)",
                         [("a/x.png", "a"), ("a/x-480.webp", "a"), ("b/y.jpg", "b")])

    assert ib.count_rows(db_path) == (2, 1, 2, 3)


def test_count_rows_of_an_empty_database_is_zeros(tmp_path: Path) -> None:
    db_path = tmp_path / "folio.sqlite3"
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("create table posts (id integer primary key, kind text)")
        conn.execute("create table media_files (key text primary key, digest text)")

    assert ib.count_rows(db_path) == (0, 0, 0, 0)


# ---------------------------------------------------------------- running a site


def test_a_site_import_leaves_static_dirs_to_the_sites_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIC_DIRS", "somewhere")
    monkeypatch.setenv("LOG_FORMAT", "json")

    site_env = ib.folio_env(tmp_path / "db.sqlite3", static_dirs=None)
    corpus_env = ib.folio_env(tmp_path / "db.sqlite3")

    assert "STATIC_DIRS" not in site_env and corpus_env["STATIC_DIRS"] == "."
    assert site_env["LOG_FORMAT"] == corpus_env["LOG_FORMAT"] == "text"
    assert site_env["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'db.sqlite3').resolve()}"


def test_exit_status_1_with_a_summary_is_a_completed_import(tmp_path: Path) -> None:
    script = "import sys; print('Site: hugo, recognised by config.toml'); " \
             "print('Import: 1 added, 0 updated, 0 warnings, 1 error in 0.1 s'); sys.exit(1)"

    result = ib.run_import("cold import (x)", [sys.executable, "-c", script], dict(os.environ))

    assert result.returncode == 1 and result.summary().startswith("Import: 1 added")


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("import sys; sys.stderr.write('Error: _config.yml:3: bad YAML\\n'); sys.exit(1)",
         "exit status 1 without the import's summary line\nError: _config.yml:3: bad YAML"),
        ("import sys; sys.stderr.write('Traceback\\n'); sys.exit(2)", "exit status 2\nTraceback"),
    ],
)
def test_an_import_without_its_summary_or_with_another_status_fails(
        script: str, message: str) -> None:
    with pytest.raises(ib.StepError, match=message):
        ib.run_import("cold import (x)", [sys.executable, "-c", script], dict(os.environ))


def test_a_missing_site_folder_fails_before_any_database_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ib, "WORK", tmp_path / "work")

    with pytest.raises(ib.StepError, match="hugo-jessfraz not found"):
        ib.bench_site(tmp_path, "hugo-jessfraz", Path(sys.executable))
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize(
    ("runs", "problem"),
    [
        (site_runs(), None),
        (site_runs(engine=("folio", "")), "recognised as folio, not jekyll; cold import: Import:"),
        (site_runs(posts=0, pages=0), "no post or page imported; cold import: Import: 0 added"),
        (site_runs(media=0), "no media file stored; cold import: Import: 41 added"),
    ],
)
def test_a_site_fails_on_another_engine_no_post_or_no_media(
        runs: object, problem: str | None) -> None:
    problems = ib.site_problems("jekyll-lil-log", runs)

    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem)


# ---------------------------------------------------------------- report


def test_the_sites_table_has_a_row_per_site() -> None:
    sites = [
        ib.SiteResult("jekyll-lil-log", site_runs()),
        ib.SiteResult("hugo-jessfraz", site_runs("hugo-jessfraz", cold_s=8.5, nochange_s=0.35,
                                                 peak_mb=150.4, posts=75, pages=2, media=69)),
        ib.SiteResult("pelican-pybites", errors=["import: cold import: exit status 2"]),
    ]

    table = ib.render_site_table(sites).splitlines()

    assert table[0] == ("| site | engine | posts / pages | media files (rows with variants) "
                        "| errors | warnings | cold import s | no-change re-import s | peak MB |")
    assert table[2:] == [
        "| jekyll-lil-log | jekyll (`_config.yml`) | 37 / 4 | 500 (4500) | 3 | 58 | 41.20 "
        "| 0.40 | 280 |",
        "| hugo-jessfraz | hugo (`config.toml`) | 75 / 2 | 69 (621) | 3 | 58 | 8.50 | 0.35 | 150 |",
        "| pelican-pybites | — | failed | failed | failed | failed | failed | failed | failed |",
    ]


def test_the_targets_judge_lil_logs_cold_import_and_every_sites_reimport_and_memory() -> None:
    sites = [
        ib.SiteResult("jekyll-lil-log", site_runs(cold_s=61.0, peak_mb=310.0)),
        ib.SiteResult("hugo-jessfraz", site_runs("hugo-jessfraz", nochange_s=1.25)),
        ib.SiteResult("pelican-pybites", errors=["import: timed out"]),
    ]

    targets = ib.render_site_targets(sites)

    assert "- jekyll-lil-log cold import < 60 s: MISSED (61.00 s)" in targets
    assert ("- every site's no-change re-import < 1 s: jekyll-lil-log met (0.40 s); "
            "hugo-jessfraz MISSED (1.25 s); pelican-pybites not measured (its import failed)"
            ) in targets
    assert ("- every site's peak memory < 300 MB: jekyll-lil-log MISSED (310 MB); "
            "hugo-jessfraz met (280 MB); pelican-pybites not measured (its import failed)"
            ) in targets


@pytest.mark.parametrize(
    ("sites", "verdict"),
    [
        ([ib.SiteResult("jekyll-lil-log", site_runs(cold_s=59.9))], "met (59.90 s)"),
        ([ib.SiteResult("jekyll-lil-log", errors=["import: x"])],
         "not measured (its import failed)"),
        ([ib.SiteResult("hugo-jessfraz", site_runs("hugo-jessfraz"))],
         "not measured (jekyll-lil-log not run)"),
    ],
)
def test_the_cold_import_target_is_lil_logs(sites: list[object], verdict: str) -> None:
    assert f"- jekyll-lil-log cold import < 60 s: {verdict}" in ib.render_site_targets(sites)


def test_a_no_change_run_that_imported_posts_again_is_not_judged() -> None:
    runs = site_runs("pelican-pybites", nochange_s=25.48, nochange_summary=(
        "3 added, 34 updated, 0 unchanged, 0 removed, 0 warnings, 3 errors in 24 s"))
    sites = [ib.SiteResult("pelican-pybites", runs)]

    assert ("pelican-pybites not measured (25.48 s, but 37 posts were imported again)"
            in ib.render_site_targets(sites))
    assert "- pelican-pybites: the no-change re-import imported posts again" in ib.render_notes(
        [], [], sites)


def test_the_notes_keep_each_imports_summary_line_and_each_failure() -> None:
    sites = [ib.SiteResult("hugo-jessfraz", site_runs("hugo-jessfraz")),
             ib.SiteResult("pelican-pybites", errors=["import: cold import: exit status 2\nTrace"])]

    notes = ib.render_notes([], ["Pelican setup: no pip"], sites).splitlines()

    assert notes == [
        "- setup FAILED: Pelican setup: no pip",
        "- hugo-jessfraz: cold import: Import: 41 added, 0 updated, 0 unchanged, 0 removed "
        "(files: 500 stored, 0 removed) (hugo constructs: 1200 translated, 2 left as text), "
        "58 warnings, 3 errors in 40.20 s",
        "- hugo-jessfraz: no-change re-import: Import: 0 added, 0 updated, 41 unchanged, "
        "0 removed, 0 warnings, 3 errors in 0.10 s",
        "- pelican-pybites: FAILED: import: cold import: exit status 2",
    ]


def test_a_sites_only_report_has_the_sites_and_no_corpus_targets() -> None:
    report = ib.render_report([], "Machine: test.", [], [ib.SiteResult("jekyll-lil-log",
                                                                       site_runs())])

    assert "Targets at 10,000 posts" not in report and "| size |" not in report
    assert "`flask import-posts <shared>/corpora/sites/<site>`" in report
    assert "| jekyll-lil-log | jekyll (`_config.yml`) |" in report
    assert report.index("Targets for the real sites") < report.index("Machine: test.")
    assert report.rstrip().endswith("3 errors in 0.10 s")


# ---------------------------------------------------------------- options and main


def test_by_default_every_site_is_imported_after_the_corpora() -> None:
    args = ib.parse_args([])

    assert args.sites == ["jekyll-lil-log", "hugo-jessfraz", "pelican-pybites"]
    assert not args.skip_sites and not args.sites_only


@pytest.mark.parametrize(
    ("argv", "skip", "only"),
    [
        (["--skip-sites"], True, False),
        (["--skip-lil-log"], True, False),
        (["--sites-only"], False, True),
        (["--lil-log-only"], False, True),
    ],
)
def test_the_former_option_names_still_work(argv: list[str], skip: bool, only: bool) -> None:
    args = ib.parse_args(argv)

    assert (args.skip_sites, args.sites_only) == (skip, only)


def test_sites_chooses_which_once_each_in_the_order_given() -> None:
    args = ib.parse_args(["--sites", " pelican-pybites,jekyll-lil-log,pelican-pybites,"])

    assert args.sites == ["pelican-pybites", "jekyll-lil-log"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sites", "jekyll-lil-log,wordpress-blog"], "unknown site 'wordpress-blog'"),
        (["--sites", ","], "no site named"),
        (["--sites", "hugo-jessfraz", "--skip-sites"], "--skip-sites imports none"),
        (["--skip-sites", "--sites-only"], "not allowed with argument"),
        (["--skip-lil-log", "--lil-log-only"], "not allowed with argument"),
    ],
)
def test_bad_site_options_are_usage_errors(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ib.parse_args(argv)

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def sites_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """main() with no real import: the shared folder and the work folder in tmp_path; the
    names of the sites bench_site is asked for, in order."""
    monkeypatch.setattr(ib, "WORK", tmp_path / "work")
    monkeypatch.setattr(ib, "shared_dir", lambda: tmp_path)
    monkeypatch.setattr(ib, "bench_folio", lambda *args: pytest.fail("a corpus was generated"))
    monkeypatch.setattr(ib, "ensure_pelican", lambda: pytest.fail("Pelican was set up"))
    monkeypatch.setattr(ib, "update_readme", lambda report: pytest.fail("README written"))
    asked: list[str] = []

    def bench_site(shared: Path, name: str, python: Path) -> object:
        asked.append(name)
        return site_runs(name)

    monkeypatch.setattr(ib, "bench_site", bench_site)
    return asked


def test_main_imports_the_chosen_sites_and_succeeds(
        sites_main: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert ib.main(["--sites-only", "--sites", "hugo-jessfraz,jekyll-lil-log"]) == 0

    report = capsys.readouterr().out
    assert sites_main == ["hugo-jessfraz", "jekyll-lil-log"]
    assert report.index("| hugo-jessfraz |") < report.index("| jekyll-lil-log |")
    assert "| pelican-pybites |" not in report and "FAILED" not in report
    assert "- jekyll-lil-log cold import < 60 s: met (41.20 s)" in report


def test_main_with_a_site_that_stores_no_media_fails(
        sites_main: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(ib, "bench_site", lambda shared, name, python: site_runs(
        name, media=0, nochange_s=1.5))

    assert ib.main(["--lil-log-only"]) == 1

    report = capsys.readouterr().out
    assert "hugo-jessfraz MISSED (1.50 s)" in report
    assert "- jekyll-lil-log: FAILED: no media file stored; cold import: Import:" in report
    assert "- pelican-pybites: FAILED: no media file stored" in report
    assert "Targets at 10,000 posts" not in report


def test_main_with_a_failing_site_reports_it_and_carries_on(
        sites_main: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def bench_site(shared: Path, name: str, python: Path) -> object:
        sites_main.append(name)
        if name == "jekyll-lil-log":
            raise ib.StepError("cold import (jekyll-lil-log): exit status 2\nTraceback ...")
        return site_runs(name)

    monkeypatch.setattr(ib, "bench_site", bench_site)

    assert ib.main(["--sites-only"]) == 1

    report = capsys.readouterr().out
    assert sites_main == ["jekyll-lil-log", "hugo-jessfraz", "pelican-pybites"]
    assert "| jekyll-lil-log | — | failed |" in report
    assert "- jekyll-lil-log cold import < 60 s: not measured (its import failed)" in report
    assert ("- jekyll-lil-log: FAILED: import: cold import (jekyll-lil-log): exit status 2"
            in report)
    assert "| pelican-pybites | pelican (`pelicanconf.py`) |" in report


def test_main_skipping_the_sites_imports_none(
        sites_main: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(ib, "bench_size", lambda n, shared, python, pelican: ib.SizeResult(n))

    assert ib.main(["--skip-lil-log", "--skip-pelican", "--sizes", "10"]) == 0

    report = capsys.readouterr().out
    assert sites_main == [] and "real sites" not in report


# ---------------------------------------------------------------- the corpus' photos


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
