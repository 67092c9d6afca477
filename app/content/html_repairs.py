"""Authors' HTML habits that browsers misread and checkers refuse, repaired as the author meant
them. The rendered article passes here around the sanitiser: :func:`close_self_closed` before
it (the HTML parser it runs would otherwise read the habit), :func:`repaired` after it (the
sanitiser writes attributes in one spelling, ``id="x"``, which the patterns rely on)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import unquote, urlsplit

# HTML elements that are never void but that authors coming from XHTML write as <a name="x" />;
# MathML and SVG elements may close themselves, and are not listed.
_SELF_CLOSED = re.compile(
    r"<(a|abbr|b|cite|code|del|dfn|div|em|i|ins|kbd|mark|p|q|s|samp|small|span|strong|sub|sup"
    r"|u|var)(\s[^<>]*?)?\s*/>", re.IGNORECASE)
_ID = re.compile(r'\sid="([^"]*)"')
_EMPTY_ANCHOR = re.compile(r'<a id="([^"]*)">\s*</a>')
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")
_IMAGE = re.compile(r"<img(\s[^<>]*)?>")
_ALT = re.compile(r"\salt=")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_WORD_SEPARATORS = re.compile(r"[-_.+\s]+")


def close_self_closed(fragment: str) -> str:
    """``<a name="x" />`` as ``<a name="x"></a>``. To an HTML parser the ``/`` means nothing:
    the anchor stays open and makes a link of the rest of the article, and the browser copies
    it into every block after it (duplicate ids, blocks inside a link)."""
    if "/>" not in fragment:
        return fragment
    return _SELF_CLOSED.sub(lambda m: f"<{m[1]}{(m[2] or '').rstrip()}></{m[1]}>", fragment)


def repaired(fragment: str) -> str:
    """The sanitised article with no empty anchor repeating another element's id, headings in
    one outline with no skipped level, and an alt text on every image."""
    return _with_alt_texts(_outlined(_without_repeated_anchors(fragment)))


def _without_repeated_anchors(fragment: str) -> str:
    """An empty ``<a id="x"></a>`` whose id another element has too is dropped: authors put
    one before a heading whose generated id is the same, and a link to ``#x`` still lands on
    the heading. When only empty anchors share an id, the last is kept."""
    ids = Counter(_ID.findall(fragment))
    if not ids or max(ids.values()) < 2:
        return fragment

    def drop_repeated(match: re.Match[str]) -> str:
        if ids[match[1]] < 2:
            return match[0]
        ids[match[1]] -= 1
        return ""

    return _EMPTY_ANCHOR.sub(drop_repeated, fragment)


def _outlined(fragment: str) -> str:
    """Every heading, the HTML ones an author wrote too, renumbered into the outline below the
    page's ``h1`` that :class:`app.content.render._TitleHeadings` gives Markdown's headings
    (the same rule, so Markdown's come out unchanged): screen readers navigate by level."""
    if "<h" not in fragment:
        return fragment
    open_sections: list[tuple[int, int]] = []  # (written level, level on the page)
    shown = 0

    def renumber(match: re.Match[str]) -> str:
        nonlocal shown
        if match[1]:  # headings do not nest: a closing tag closes the last one opened
            return f"</h{shown}"
        written = int(match[2])
        while open_sections and open_sections[-1][0] >= written:
            open_sections.pop()
        shown = min(open_sections[-1][1] + 1 if open_sections else 2, 6)
        open_sections.append((written, shown))
        return f"<h{shown}"

    return _HEADING_TAG.sub(renumber, fragment)


def _with_alt_texts(fragment: str) -> str:
    """An ``<img>`` written with no ``alt`` gets its file's name in words (``profile photo``
    for ``profile_photo.png``): what a screen reader would have read out anyway, and an image
    without one is invalid HTML. ``alt=""`` (decorative) is the author's to say."""
    if "<img" not in fragment:
        return fragment

    def with_alt(match: re.Match[str]) -> str:
        attributes = match[1] or ""
        if _ALT.search(attributes):
            return match[0]
        src = _SRC.search(attributes)
        return f'<img alt="{_name_in_words(src[1]) if src else ""}"{attributes}>'

    return _IMAGE.sub(with_alt, fragment)


def _name_in_words(address: str) -> str:
    if address.startswith("data:"):
        return ""
    path = urlsplit(address.replace("&amp;", "&")).path
    stem = unquote(path.rstrip("/").rsplit("/", 1)[-1]).rsplit(".", 1)[0]
    words = _WORD_SEPARATORS.sub(" ", stem).strip()
    return words.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
