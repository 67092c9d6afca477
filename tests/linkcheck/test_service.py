"""The link check as `flask check-links` runs it (app/linkcheck/service.py), on SQLite and
PostgreSQL, against local sites on 127.0.0.1: the link graph's broken links, the outside ones
by file and line, and the cache sparing the hosts on a second run."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import queries
from app.content.importer import ImportOptions, import_posts
from app.extensions import db
from app.linkcheck.external import Politeness
from app.linkcheck.service import CheckOptions, LinkReport, check_links
from tests.conftest import ArticleWriter
from tests.remote_site import Remote

SITE = "http://blog.test"


def options(**changes: object) -> CheckOptions:
    fields: dict[str, object] = {
        "site_url": SITE, "external": True,
        "politeness": Politeness(concurrency=4, host_interval=0, timeout=0.5), **changes}
    return CheckOptions(**fields)  # type: ignore[arg-type]


def check(app: Flask, **changes: object) -> LinkReport:
    with app.app_context():
        return check_links(db.session(), queries.link_sources(), options(**changes))


def imported(app: Flask, folder: Path) -> None:
    with app.app_context():
        assert import_posts(db.session(), folder, ImportOptions(site_url=SITE)).written


def found(report: LinkReport) -> list[tuple[str, int, str, str]]:
    return [(p.source, p.notice.line, p.severity, p.notice.message) for p in report.problems]


def test_every_broken_link_is_reported_by_file_and_line(
        app: Flask, content_dir: Path, write_article: ArticleWriter, remote: Remote) -> None:
    write_article("b.md", f"[ok]({remote.url('/ok')}) and [gone]({remote.url('/missing')}).\n"
                  f"\n[moved]({remote.url('/moved')}), [home]({SITE}/posts/a).\n")
    write_article("a.md", f"Intro.\n\n[gone]({remote.url('/missing')}) and [b](b.md#nope).\n")
    imported(app, content_dir)

    report = check(app)

    missing, moved = remote.url("/missing"), remote.url("/moved")
    assert found(report) == [
        ("a.md", 8, "error", "link to 'b.md#nope': b.md has no heading or element with the id "
                             "'nope'"),
        ("a.md", 8, "error", f"link to {missing!r}: answers 404"),
        ("b.md", 6, "error", f"link to {missing!r}: answers 404"),
        ("b.md", 8, "warning", f"link to {moved!r} redirects (301) to {remote.url('/ok')!r}")]
    assert (report.internal, report.outside, report.addresses, report.broken) == (2, 4, 3, 3)
    assert report.summary(external=True) == (
        "2 links between posts, 4 links to 3 addresses on other sites (3 asked, 0 remembered)"
        ": 3 broken")


def test_a_second_run_asks_again_only_what_was_broken(
        app: Flask, content_dir: Path, write_article: ArticleWriter, remote: Remote) -> None:
    write_article("a.md", f"[ok]({remote.url('/ok')}), [moved]({remote.url('/moved')}), "
                  f"[gone]({remote.url('/missing')}), [busy]({remote.url('/busy')}).\n")
    imported(app, content_dir)
    first = check(app)
    asked = len(remote.asked())

    second = check(app)

    assert found(second) == found(first)
    assert remote.asked()[asked:] == ["HEAD /missing", "GET /missing", "HEAD /busy"]
    assert (second.addresses, second.asked) == (4, 2)

    check(app, refresh=True)
    assert len(remote.asked()) - asked == 3 + 6  # the second run's, then every address
    check(app, cache_seconds=0)  # remembered for no time at all
    assert remote.asked("/moved") == ["HEAD"] * 3  # the first run, --refresh, and this one


def test_without_external_no_site_is_asked(app: Flask, content_dir: Path,
                                           write_article: ArticleWriter, remote: Remote) -> None:
    write_article("a.md", f"[gone]({remote.url('/missing')})\n")
    imported(app, content_dir)

    report = check(app, external=False)

    assert (report.problems, report.outside, remote.asked()) == ([], 0, [])
    assert report.summary(external=False) == "0 links between posts: 0 broken"
