"""What a page's address may be, and which files are pages (app/content/pages.py)."""

from __future__ import annotations

import pytest

from app.content.pages import address_of, in_pages_folder, parse_url, reserved_segment
from app.content.problems import ContentError


@pytest.mark.parametrize(("written", "stored"), [
    ("/about", "/about"),
    ("/about/", "/about"),
    ("  /about/team  ", "/about/team"),
    ("/colophon.html", "/colophon.html"),
    ("/2024/now_page", "/2024/now_page"),
])
def test_a_url_is_stored_as_a_path_without_a_trailing_slash(written: str, stored: str) -> None:
    assert parse_url(written) == stored


@pytest.mark.parametrize(("written", "says"), [
    ("https://example.com/about", "not a path on this site"),
    ("//example.com/about", "not a path on this site"),
    ("about", "not a path on this site"),
    ("/", "the home page"),
    ("///", "not a path on this site"),
    ("/About", "characters a page address cannot have"),
    ("/a b", "characters a page address cannot have"),
    ("/../etc", "characters a page address cannot have"),
    ("/about?x=1", "characters a page address cannot have"),
    ("/about#team", "characters a page address cannot have"),
    ("/a//b", "characters a page address cannot have"),
    ("/caf\u00e9", "characters a page address cannot have"),
    ("/" + "a" * 101, "characters a page address cannot have"),
    ("/" + "/".join(["a" * 50] * 4), "at most 200"),
    ("", "must be a path"),
    (["/about"], "must be a path"),
    (7, "must be a path"),
])
def test_anything_but_a_site_path_is_refused_with_a_hint(written: object, says: str) -> None:
    with pytest.raises(ContentError) as error:
        parse_url(written)

    assert says in error.value.message
    assert "url: /about" in error.value.hint


@pytest.mark.parametrize(("rel", "page"), [
    ("pages/about.md", True),
    ("pages/team/people.md", True),
    ("about.md", False),
    ("posts/pages.md", False),
    ("pages.md", False),
])
def test_files_under_pages_are_pages(rel: str, page: bool) -> None:
    assert in_pages_folder(rel) is page


def test_a_page_answers_at_its_url_else_at_its_slug() -> None:
    assert address_of("about", None) == "/about"
    assert address_of("about", "/who/we-are") == "/who/we-are"


def test_the_first_segment_decides_whether_a_route_owns_an_address() -> None:
    reserved = {"tags", "feed.xml"}

    assert reserved_segment("/tags", reserved) == "tags"
    assert reserved_segment("/tags/mine", reserved) == "tags"
    assert reserved_segment("/feed.xml", reserved) == "feed.xml"
    assert reserved_segment("/tagsoup", reserved) is None
    assert reserved_segment("/about/tags", reserved) is None
