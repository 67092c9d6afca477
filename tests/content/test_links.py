"""Links between articles (app/content/links.py): finding them in rendered HTML with their
line, resolving them against an address book of the site, rewriting the HTML."""

from __future__ import annotations

import pytest

from app.content.links import (
    AddressBook,
    FoundLink,
    anchor_problem,
    element_ids,
    find_links,
    is_article_link,
    is_web_link,
    outside_links,
    resolve,
    rewrite_links,
)
from app.content.render import render_markdown


def book() -> AddressBook:
    addresses = AddressBook(site_url="https://blog.example.com")
    addresses.add("other-post.md", "other-post")
    addresses.add("2019/other.md", "renamed-twice")
    addresses.add("2019/notes/deep.md", "deep")
    addresses.add("secret.md", "secret", draft=True)
    addresses.add_moved("old-slug", "2019/other.md")
    addresses.add_moved("an-alias", "other-post.md")
    addresses.removed.add("pruned")
    return addresses


def link(href: str) -> FoundLink:
    return FoundLink(href, 7)


@pytest.mark.parametrize(("href", "source", "expected"), [
    ("other-post.md", "a.md", "/posts/other-post"),
    ("other-post.markdown", "a.md", None),  # no such file: a warning, see below
    ("../2019/other.md#section", "2020/a.md", "/posts/renamed-twice#section"),
    ("notes/deep.md", "2019/a.md", "/posts/deep"),
    ("./notes/../notes/deep.md", "2019/a.md", "/posts/deep"),
    ("/2019/other.md", "2020/deep/a.md", "/posts/renamed-twice"),
    ("/posts/other-post", "a.md", "/posts/other-post"),
    ("/posts/other-post/", "a.md", "/posts/other-post"),
    ("/posts/other-post?ref=x#part", "a.md", "/posts/other-post#part"),
    ("/posts/old-slug#part", "a.md", "/posts/renamed-twice#part"),
    ("/posts/an-alias", "a.md", "/posts/other-post"),
    ("https://blog.example.com/posts/other-post#x", "a.md", "/posts/other-post#x"),
    ("http://BLOG.example.com/posts/old-slug", "a.md", "/posts/renamed-twice"),
    ("//blog.example.com/posts/other-post", "a.md", "/posts/other-post"),
])
def test_a_link_to_an_article_leads_to_its_current_address(
        href: str, source: str, expected: str | None) -> None:
    resolution = resolve(link(href), source, book())

    assert resolution is not None
    assert resolution.href == (expected or href)
    assert (resolution.problem is None) == (expected is not None)


@pytest.mark.parametrize("href", [
    "https://elsewhere.example/posts/other-post", "https://example.com/readme.md",
    "diagram.png", "files/report.pdf", "#section", "", "mailto:someone@example.com",
    "/posts/other-post.md", "/posts/other-post.json", "/tags/python", "other-post",
    "http://[::1", "ftp://blog.example.com/posts/other-post",
])
def test_anything_else_is_left_alone(href: str) -> None:
    assert resolve(link(href), "a.md", book()) is None


def test_a_site_under_a_path_keeps_its_prefix_out_of_the_slug() -> None:
    addresses = book()
    addresses.site_url = "https://example.com/blog/"

    resolution = resolve(link("https://example.com/blog/posts/other-post"), "a.md", addresses)

    assert resolution is not None and resolution.href == "/posts/other-post"


@pytest.mark.parametrize(("href", "message", "hint"), [
    ("missing.md", "there is no article 2019/missing.md", "relative to this file's folder"),
    ("../../outside.md", "the path leads out of the content folder", "inside the content folder"),
    ("/posts/nobody", "no post has the address /posts/nobody", "follows the post"),
    ("/posts/pruned", "that post was removed (the address answers 410 Gone)", "remove the"),
    ("../secret.md", "secret.md is a draft, which readers cannot see", "publish it"),
])
def test_a_broken_link_is_a_warning_at_its_line(href: str, message: str, hint: str) -> None:
    resolution = resolve(link(href), "2019/a.md", book())

    assert resolution is not None and resolution.problem is not None
    assert resolution.problem.line == 7
    assert resolution.problem.message == f"link to {href!r}: {message}"
    assert hint in resolution.problem.hint


def test_a_link_to_a_draft_still_leads_to_it() -> None:
    resolution = resolve(link("secret.md#intro"), "a.md", book())

    assert resolution is not None
    assert (resolution.href, resolution.target, resolution.anchor) == (
        "/posts/secret#intro", "secret.md", "intro")


BODY = """Intro mentions other-post.md in passing.

See [the other post](other-post.md) and [again](other-post.md#part).

[ref]: /posts/an-alias
Also [a page](https://example.com/page) and [by reference][ref].
"""


def test_links_are_found_in_order_with_the_line_their_address_is_on() -> None:
    page = render_markdown(BODY).html

    found = find_links(page, BODY, 5)

    assert found == [FoundLink("other-post.md", 7), FoundLink("other-post.md#part", 7),
                     FoundLink("/posts/an-alias", 9)]


def test_the_same_address_twice_gets_each_its_own_line() -> None:
    body = "[a](x.md)\n\ntext\n\n[b](x.md)\n"

    assert [f.line for f in find_links(render_markdown(body).html, body, 10)] == [10, 14]


def test_an_address_the_renderer_changed_is_found_as_written_or_at_the_body_start() -> None:
    body = "Intro.\n\n[a](<my post.md>)\n"
    page = render_markdown(body).html

    assert find_links(page, body, 3) == [FoundLink("my%20post.md", 5)]


def test_outside_links_are_found_on_request() -> None:
    page = render_markdown(BODY).html

    found = find_links(page, BODY, 1, wanted=is_web_link)

    assert found == [FoundLink("https://example.com/page", 6)]


@pytest.mark.parametrize(("href", "article"), [
    ("x.md", True), ("a/b.MARKDOWN", True), ("/posts/x", True),
    ("https://elsewhere.example/posts/x", True), ("https://x.example/a.md", False),
    ("#x", False), ("x.png", False), ("javascript:x.md", False), ("http://[::1", False),
])
def test_which_addresses_may_name_an_article(href: str, article: bool) -> None:
    assert is_article_link(href) is article


def test_article_links_are_rewritten_by_position_and_nothing_else_changes() -> None:
    page = ('<p><a href="/posts/x">x</a> <a href="#top">top</a> <a title="t" '
            'href="y.md#a&amp;b">y</a> <img src="/posts/x"> <a href="https://example.com/">e'
            '</a> <a href="/posts/x">x again</a></p>')

    rewritten = rewrite_links(page, {0: "/posts/y", 1: "/posts/x#a&b"})

    assert rewritten == ('<p><a href="/posts/y" data-article>x</a> <a href="#top">top</a> '
                         '<a title="t" href="/posts/x#a&amp;b" data-article>y</a> <img '
                         'src="/posts/x"> <a href="https://example.com/">e</a> <a '
                         'href="/posts/x">x again</a></p>')
    assert rewrite_links(rewritten, {0: "/posts/z"}).startswith(
        '<p><a href="/posts/z" data-article>x</a>')


def test_a_rewritten_link_keeps_its_position_when_its_address_reads_as_no_article() -> None:
    """A link to a page becomes the page's address (/about), which does not look like a link
    to an article; marked, it is still found at its position when the page moves again."""
    page = '<p><a href="pages/about.md">a</a> <a href="other.md">o</a></p>'

    once = rewrite_links(page, {0: "/about", 1: "/posts/other"})
    twice = rewrite_links(once, {0: "/who-we-are", 1: "/posts/renamed"})

    assert twice == ('<p><a href="/who-we-are" data-article>a</a> <a href="/posts/renamed" '
                     'data-article>o</a></p>')


def test_element_ids_are_headings_footnotes_and_the_authors_own() -> None:
    page = render_markdown("Text.[^1]\n\n## Set up &amp; run\n\n## Other {#mine}\n\n"
                           "[^1]: Note.\n").html

    assert {"set-up-run", "fn:1", "fnref:1", "mine"} <= element_ids(page)


def test_a_missing_anchor_is_a_warning_that_suggests_the_nearest_ids() -> None:
    ids = {"getting-started", "set-up", "fn:1"}

    assert anchor_problem(link("x.md#set-up"), "set-up", "x.md", ids) is None
    assert anchor_problem(link("x.md#caf%C3%A9"), "caf%C3%A9", "x.md", {"café"}) is None
    problem = anchor_problem(link("x.md#setup"), "setup", "x.md", ids)
    assert problem is not None and problem.line == 7
    assert problem.message == "link to 'x.md#setup': x.md has no heading or element with the " \
                              "id 'setup'"
    assert problem.hint == "did you mean #set-up?"


def test_outside_links_of_a_stored_post_leave_out_the_sites_own() -> None:
    text = ("---\ntitle: T\ndate: 2026-01-01\n---\n\n[out](https://example.com/a)\n\n"
            "[home](https://blog.example.com/posts/x) [file](x.md)\n")
    page = render_markdown(text.split("---\n", 2)[2]).html

    assert outside_links(page, text, "https://blog.example.com") == [
        FoundLink("https://example.com/a", 6)]
