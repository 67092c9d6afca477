"""Post HTML made absolute for feed readers; plain text made safe for fields read as HTML."""

from __future__ import annotations

import pytest

from app.feeds.content import absolute_links, inert_text, text_as_html, xml_safe

PAGE = "https://blog.example/posts/hello"


@pytest.mark.parametrize(("markup", "expected"), [
    ('<a href="/tags/x">', '<a href="https://blog.example/tags/x">'),
    ('<img src="pic.png">', '<img src="https://blog.example/posts/pic.png">'),
    ('<a href="#fn:1">', '<a href="https://blog.example/posts/hello#fn:1">'),
    ('<a href="https://other.example/a?b=1&amp;c=2">',
     '<a href="https://other.example/a?b=1&amp;c=2">'),
    ('<a href="../up">', '<a href="https://blog.example/up">'),
    ('<a title="/not-a-link" href="/x">', '<a title="/not-a-link" href="https://blog.example/x">'),
    ('<p>href="/in-text"</p>', '<p>href="/in-text"</p>'),
    ('<a href="mailto:a@b.example">', '<a href="mailto:a@b.example">'),
])
def test_absolute_links(markup: str, expected: str) -> None:
    assert absolute_links(markup, PAGE) == expected


def test_xml_safe_drops_only_what_xml_forbids() -> None:
    assert xml_safe("a\x00b\x07c\td\ne\rf\x0bg\ufffeé🙂") == "abc\td\ne\rfgé🙂"


@pytest.mark.parametrize(("text", "as_html", "inert"), [
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;",
     "&lt;img src=x onerror=alert(1)&gt;"),
    ("&lt;img&gt;", "&amp;lt;img&amp;gt;", "&lt;img&gt;"),
    ("Q&A: Vec<T>", "Q&amp;A: Vec&lt;T&gt;", "Q&A: Vec&lt;T&gt;"),
    ('"quoted"', '"quoted"', '"quoted"'),
])
def test_plain_text_for_fields_read_as_html(text: str, as_html: str, inert: str) -> None:
    assert text_as_html(text) == as_html
    assert inert_text(text) == inert
