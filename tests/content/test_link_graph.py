"""Links between posts through the import (app/content/link_graph.py), on SQLite and
PostgreSQL: resolved to current addresses, following later renames, broken ones reported at
their file and line, and the graph stored in post_links."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.content.importer import ImportOptions, ImportReport, import_posts
from app.content.link_graph import check_graph
from app.extensions import db
from app.models import Post, PostLink
from tests.conftest import ArticleWriter

SITE = "https://blog.example.com"


def run(app: Flask, folder: Path, **options: object) -> ImportReport:
    with app.app_context():
        return import_posts(db.session(), folder, ImportOptions(  # type: ignore[arg-type]
            site_url=SITE, **options))


def hrefs(app: Flask, slug: str) -> list[str]:
    """The addresses of the links in a post's stored HTML, headings' own anchors left out."""
    import re

    with app.app_context():
        page = db.session.scalar(select(Post.html).where(Post.slug == slug))
    assert page is not None, slug
    return [href for href in re.findall(r'href="([^"]*)"', page) if not href.startswith("#")]


def graph(app: Flask) -> list[tuple[str, int, str, str | None, str | None]]:
    """(source slug, line, href as written, target slug, anchor) of every stored link."""
    with app.app_context():
        slugs = {post_id: slug for post_id, slug in db.session.execute(select(Post.id, Post.slug))}
        rows = db.session.execute(select(PostLink.source_id, PostLink.line, PostLink.href,
                                         PostLink.target_id, PostLink.anchor)
                                  .order_by(PostLink.source_id, PostLink.position))
        return [(slugs[source], line, href, slugs.get(target) if target else None, anchor)
                for source, line, href, target, anchor in rows]


def problems(report: ImportReport) -> list[tuple[str, int, str]]:
    return sorted((Path(p.path).name, p.line, p.severity) for p in report.warnings
                  + report.errors if "link to" in p.message)


TARGET_BODY = "Intro.\n\n## Getting started\n\nText.\n\n## Going further\n\nMore.\n"


def test_links_by_file_or_address_lead_to_the_current_address_with_their_anchor(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("2019/other.md", TARGET_BODY, slug="the-other-one", aliases="nickname")
    write_article("2020/post.md", "Read [it](../2019/other.md#going-further).\n\n"
                  "Or [by address](/posts/the-other-one), [by alias](/posts/nickname), "
                  f"[absolute]({SITE}/posts/nickname#getting-started),\n"
                  "[rooted](/2019/other.md) and [elsewhere](https://example.com/x.md).\n")

    report = run(app, content_dir)

    assert report.warnings == [] and report.errors == []
    assert hrefs(app, "post") == [
        "/posts/the-other-one#going-further", "/posts/the-other-one", "/posts/the-other-one",
        "/posts/the-other-one#getting-started", "/posts/the-other-one",
        "https://example.com/x.md"]
    assert graph(app) == [
        ("post", 6, "../2019/other.md#going-further", "the-other-one", "going-further"),
        ("post", 8, "/posts/the-other-one", "the-other-one", None),
        ("post", 8, "/posts/nickname", "the-other-one", None),
        ("post", 8, f"{SITE}/posts/nickname#getting-started", "the-other-one",
         "getting-started"),
        ("post", 9, "/2019/other.md", "the-other-one", None)]


def test_a_link_to_an_old_slug_is_rewritten_to_the_current_address(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("other.md", slug="first-name")
    run(app, content_dir)
    write_article("other.md", slug="second-name")
    run(app, content_dir)

    write_article("post.md", "See [the other](/posts/first-name).\n")
    report = run(app, content_dir)

    assert report.warnings == []
    assert hrefs(app, "post") == ["/posts/second-name"]


def test_links_follow_later_renames_without_the_linking_file_changing(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("other.md", TARGET_BODY, slug="first-name")
    write_article("post.md", "See [it](other.md#getting-started) and [again](other.md).\n")
    run(app, content_dir)

    write_article("other.md", TARGET_BODY, slug="second-name")
    report = run(app, content_dir)
    assert report.updated == ["other.md"] and report.warnings == []
    assert hrefs(app, "post") == ["/posts/second-name#getting-started", "/posts/second-name"]

    write_article("other.md", TARGET_BODY + "\nEdited.\n", slug="third-name")
    run(app, content_dir)
    assert hrefs(app, "post") == ["/posts/third-name#getting-started", "/posts/third-name"]


def test_two_posts_trading_slugs_trade_their_links(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("a.md", slug="alpha")
    write_article("b.md", slug="beta")
    write_article("post.md", "[A](a.md), [B](b.md), [A again](/posts/alpha).\n")
    run(app, content_dir)

    write_article("a.md", slug="beta")
    write_article("b.md", slug="alpha")
    run(app, content_dir)

    assert hrefs(app, "post") == ["/posts/beta", "/posts/alpha", "/posts/beta"]


def test_a_link_to_a_post_that_comes_later_leads_to_it_once_it_exists(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("post.md", "Soon: [the sequel](sequel.md#part).\n")
    report = run(app, content_dir)
    assert problems(report) == [("post.md", 6, "warning")]
    assert hrefs(app, "post") == ["sequel.md#part"]

    write_article("sequel.md", "## Part\n", slug="the-sequel")
    report = run(app, content_dir)

    assert report.added == ["sequel.md"] and report.warnings == []
    assert hrefs(app, "post") == ["/posts/the-sequel#part"]
    assert graph(app)[0][3] == "the-sequel"


@pytest.mark.parametrize(("href", "message"), [
    ("missing.md", "link to 'missing.md': there is no article missing.md"),
    ("/posts/nobody", "link to '/posts/nobody': no post has the address /posts/nobody"),
    ("secret.md", "link to 'secret.md': secret.md is a draft, which readers cannot see"),
    ("other.md#nowhere", "link to 'other.md#nowhere': other.md has no heading or element "
                         "with the id 'nowhere'"),
])
def test_a_broken_link_is_a_warning_at_its_line_and_an_error_under_strict(
        app: Flask, content_dir: Path, write_article: ArticleWriter, href: str,
        message: str) -> None:
    write_article("other.md", TARGET_BODY)
    write_article("secret.md", draft="true")
    write_article("post.md", f"First line.\n\nThen [a link]({href}).\n")

    strict = run(app, content_dir, strict=True)

    assert [(Path(p.path).name, p.line, p.message) for p in strict.errors] == [
        ("post.md", 8, message)]
    assert not strict.written and strict.added == []
    assert graph(app) == []

    report = run(app, content_dir)

    assert [(Path(p.path).name, p.line, p.severity, p.message) for p in report.warnings] == [
        ("post.md", 8, "warning", message)]
    assert report.written and report.errors == []


def test_removing_a_linked_post_is_reported_at_the_linking_line(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("other.md")
    write_article("post.md", "Intro.\n\n[Other](other.md)\n")
    run(app, content_dir)

    (content_dir / "other.md").unlink()
    report = run(app, content_dir, prune=True)

    assert report.removed == ["other.md"]
    assert [(Path(p.path).name, p.line, p.message) for p in report.warnings] == [
        ("post.md", 8, "link to 'other.md': this import removes other.md (--prune); its "
                       "address answers 410 Gone")]
    assert graph(app) == [("post", 8, "other.md", None, None)]
    assert hrefs(app, "post") == ["/posts/other"]


def test_a_new_link_to_a_removed_post_is_a_warning(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("old.md", slug="old-news")
    run(app, content_dir)
    (content_dir / "old.md").unlink()
    run(app, content_dir, prune=True)

    write_article("post.md", "[Old news](/posts/old-news)\n")
    report = run(app, content_dir)

    assert [(Path(p.path).name, p.line, p.message) for p in report.warnings] == [
        ("post.md", 6, "link to '/posts/old-news': that post was removed (the address "
                       "answers 410 Gone)")]
    assert hrefs(app, "post") == ["/posts/old-news"]


def test_a_linked_post_made_a_draft_or_losing_its_heading_is_reported_at_the_linker(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("other.md", TARGET_BODY)
    write_article("post.md", "[Start](other.md#getting-started)\n")
    write_article("more.md", "\n[Other](other.md)\n")
    run(app, content_dir)

    write_article("other.md", "No headings now.\n", draft="true")
    report = run(app, content_dir)

    assert report.updated == ["other.md"]
    assert sorted((Path(p.path).name, p.line, p.message.split(": ", 1)[1])
                  for p in report.warnings) == [
        ("more.md", 7, "other.md is a draft, which readers cannot see"),
        ("post.md", 6, "other.md has no heading or element with the id 'getting-started'"),
        ("post.md", 6, "other.md is a draft, which readers cannot see")]


def test_anchors_of_posts_rendered_in_the_same_import_come_from_their_new_pages(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("a.md", "[to b](b.md#in-b)\n\n## In A\n")
    write_article("b.md", "[to a](a.md#in-a)\n\n## In B\n")
    assert run(app, content_dir).warnings == []

    write_article("a.md", "[to b](b.md#in-b)\n\n## Renamed heading\n")
    write_article("b.md", "[to a](a.md#in-a)\n\n## In B\n\nEdited.\n")
    report = run(app, content_dir)

    assert problems(report) == [("b.md", 6, "warning")]


def test_links_between_many_files_rendered_by_worker_processes(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    for n in range(60):
        write_article(f"post-{n}.md", f"## Part {n}\n\nNext: [post {n + 1}](post-{(n + 1) % 60}"
                      f".md#part-{(n + 1) % 60}).\n")

    report = run(app, content_dir, workers=2)

    assert len(report.added) == 60 and report.warnings == []
    assert hrefs(app, "post-59") == ["/posts/post-0#part-0"]
    assert len(graph(app)) == 60


def check(app: Flask) -> list[tuple[str, int, str]]:
    with app.app_context():
        result = check_graph(db.session(), SITE)
    return [(broken.source, broken.notice.line, broken.notice.message) for broken in
            result.broken]


def test_the_graph_check_finds_every_broken_link_of_the_site_by_file_and_line(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("target.md", TARGET_BODY)
    write_article("gone.md")
    write_article("b.md", "[fine](target.md#going-further)\n\n[gone](gone.md)\n")
    write_article("a.md", "[nowhere](nowhere.md)\n\n[anchor](target.md#nope)\n\n"
                  "[draft](secret.md)\n")
    write_article("secret.md", draft="true")
    run(app, content_dir)
    assert check(app) == [
        ("a.md", 6, "link to 'nowhere.md': there is no article nowhere.md"),
        ("a.md", 8, "link to 'target.md#nope': target.md has no heading or element with the "
                    "id 'nope'"),
        ("a.md", 10, "link to 'secret.md': secret.md is a draft, which readers cannot see")]

    (content_dir / "gone.md").unlink()
    run(app, content_dir, prune=True)

    with app.app_context():
        assert check_graph(db.session(), SITE).links == 5
    assert check(app)[-1] == ("b.md", 8, "link to 'gone.md': there is no article gone.md")


def test_a_link_to_a_pages_file_leads_to_the_pages_address_and_follows_its_moves(
        app: Flask, content_dir: Path, write_article: ArticleWriter) -> None:
    write_article("pages/about.md", raw="---\ntitle: About\n---\n\nWho we are.\n\n## Contact\n")
    write_article("post.md", "See [about](pages/about.md#contact).\n")
    report = run(app, content_dir)
    assert report.errors == report.warnings == []
    assert hrefs(app, "post") == ["/about#contact"]

    write_article("pages/about.md",
                  raw="---\ntitle: About\nurl: /who-we-are\n---\n\nWho.\n\n## Contact\n")
    assert run(app, content_dir).updated == ["pages/about.md"]
    assert hrefs(app, "post") == ["/who-we-are#contact"]
