"""The filters templates share (app/templating.py) that decide how titles and tables of
contents read."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from app.templating import absolute_url, address_builder, bind_short_words, own_numbers


@pytest.mark.parametrize(("title", "bound"), [
    ("Cache Invalidation Without Tears: A Practical Guide",
     "Cache Invalidation Without Tears: A\u00a0Practical Guide"),
    ("What I Learned", "What I\u00a0Learned"),
    ("A b c", "A\u00a0b\u00a0c"),
    ("Plan A", "Plan A"),  # nothing after it to tie it to
    ("Python 3 in a day", "Python 3\u00a0in a\u00a0day"),
    ("<A> & B", "<A> & B"),
])
def test_one_letter_words_are_tied_to_the_next(title: str, bound: str) -> None:
    assert bind_short_words(title) == bound


def entries(*names: str) -> list[dict[str, object]]:
    return [{"id": str(n), "name": name, "level": 3, "children": []}
            for n, name in enumerate(names)]


@pytest.mark.parametrize(("names", "numbers"), [
    (("1. Irssi", "2. Mutt", "10. Cathode"), [("1.", "Irssi"), ("2.", "Mutt"),
                                             ("10.", "Cathode")]),
    (("1) One", "2) Two"), [("1)", "One"), ("2)", "Two")]),
    (("1.1 Setup", "1.2 Run"), [("1.1", "Setup"), ("1.2", "Run")]),
    (("I. Intro", "II. Body", "IV. End"), [("I.", "Intro"), ("II.", "Body"), ("IV.", "End")]),
    (("a) one", "b) two"), [("a)", "one"), ("b)", "two")]),
    (("Step 1: go", "Step 2: stop"), None),
    (("1. Irssi", "Mutt"), None),  # every one of them, or none
    (("A Practical Guide", "B Side"), None),  # a letter needs its "." or ")"
    (("1. Only",), None),
    ((), None),
])
def test_headings_with_their_own_numbers(names: tuple[str, ...],
                                         numbers: list[tuple[str, str]] | None) -> None:
    assert own_numbers(entries(*names)) == numbers


SLUGS = ["plain", "with space", "ü-umlaut", "100%", "a/b", "q?x#y", "semi;colon&amp", "'quote'"]


@pytest.mark.parametrize(("endpoint", "name"), [("posts.detail", "slug"), ("tags.detail", "slug"),
                                                ("authors.detail", "slug")])
@pytest.mark.parametrize("external", [False, True], ids=["path", "absolute"])
def test_an_address_builder_builds_what_url_for_builds(app: Flask, endpoint: str, name: str,
                                                       external: bool) -> None:
    with app.test_request_context("/"):
        build = address_builder(endpoint, name, external=external)
        expected = [(absolute_url if external else url_for)(endpoint, **{name: slug})
                    for slug in SLUGS]

        assert [build(slug) for slug in SLUGS] == expected


def test_a_rule_whose_converter_builds_otherwise_gets_url_for_each_time(app: Flask) -> None:
    """<number:...> turns its value into an integer: no placeholder survives it."""
    with app.test_request_context("/"):
        build = address_builder("seo.sitemap_posts", "number")

        assert build(3) == url_for("seo.sitemap_posts", number=3) == "/sitemaps/posts-3.xml"
