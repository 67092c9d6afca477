"""Links from one article to another: found in the rendered HTML, resolved to the target's
current address.

An author links to another article by its source file (``[x](other.md)``,
``[x](../2019/other.md#part)``: relative to the article's own folder, or ``/2019/other.md``
from the content folder) or by its Folio address (``/posts/slug``, also as an absolute URL on
``SITE_URL``'s host). Either way the page links to ``/posts/<current slug>``, with the anchor
kept; an old slug or an alias is rewritten to the current one.

Three steps, each a function here: :func:`find_links` (in the worker that rendered the file:
the candidate links and the line of the source each is written on), :func:`resolve` (against
an :class:`AddressBook` of the whole site, which the importer builds), and
:func:`rewrite_links`. Every other ``href`` (outside sites, images, files, ``#fragments``) is
left as it is. No database and no Flask.
"""

from __future__ import annotations

import difflib
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from app.content.problems import ContentError, Notice
from app.content.reader import article_body

SOURCE_SUFFIXES = (".md", ".markdown", ".ipynb")
WEB_SCHEMES = ("http", "https")
POSTS_PREFIX = "/posts/"
# The sanitiser writes every attribute double-quoted, so this sees every link of a post.
_A_HREF = re.compile(r'(<a\s(?:[^>]*?\s)?href=")([^"]*)(")', re.IGNORECASE)
_A_TAG = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
# Marks a link this pass rewrote: a page's address (/about) does not read as a link to an
# article, yet must keep its position among them for the next rewrite (a later move).
ARTICLE_MARK = "data-article"
_ID = re.compile(r'\sid="([^"]*)"')
_POSTS_PATH = re.compile(r"/posts/([^/]+)/?")
# A post's Markdown source and JSON document live beside its page: not links to the page.
_FORMAT_SUFFIXES = (".md", ".json")
# What comes just before a link's address in Markdown or HTML: `](x)`, `](<x>)`, `<x>`,
# `href="x"`, `[ref]: x`. Used to prefer the link over the same words in the prose.
_BEFORE_ADDRESS = r"(?:\]\(\s*<?|[<\"']|\]:[ \t]*<?)"
_SHOWN_HREF = 100  # longer addresses are cut short in messages


@dataclass(frozen=True)
class FoundLink:
    """A link of a rendered post: its address as written, and the file line it is on."""

    href: str
    line: int


@dataclass(frozen=True)
class Address:
    slug: str
    draft: bool = False
    page: str | None = None  # a page's address (``/about``); posts answer at /posts/<slug>

    def href(self, anchor: str | None = None) -> str:
        """Where pages link to this article, with the anchor."""
        if self.page is None:
            return post_address(self.slug, anchor)
        return self.page + (f"#{anchor}" if anchor else "")


@dataclass
class AddressBook:
    """Every post of the site as one import (or one check) sees it, by source path: its slug,
    whether it is a draft, the old slugs and aliases that lead to it, and the slugs of removed
    posts."""

    site_url: str = ""
    posts: dict[str, Address] = field(default_factory=dict)  # source path -> address
    slugs: dict[str, str] = field(default_factory=dict)  # current slug -> source path
    moved: dict[str, str] = field(default_factory=dict)  # old slug or alias -> source path
    removed: set[str] = field(default_factory=set)  # slugs answering 410 Gone
    # A site moved in from another engine: the paths its posts had there, and the address
    # it was served at (``https://blog.example.com/``), so links to either lead to the posts.
    old_paths: dict[str, str] = field(default_factory=dict)  # old path -> source path
    old_site_url: str = ""

    def add(self, rel: str, slug: str, draft: bool = False, page: str | None = None) -> None:
        self.posts[rel] = Address(slug, draft, page)
        self.slugs[slug] = rel

    def add_moved(self, slug: str, rel: str) -> None:
        self.moved[slug] = rel

    def on_site(self, parts: SplitResult) -> bool:
        return on_site(parts, self.site_url)

    def site_path(self, path: str) -> str:
        """``path`` without the path of ``SITE_URL`` (a site served under ``/blog``)."""
        prefix = urlsplit(self.site_url).path.rstrip("/")
        return path[len(prefix):] if prefix and path.startswith(prefix + "/") else path


def claim_old_links(page_html: str, book: AddressBook) -> str:
    """``page_html`` with each link to a post's address on the old site (``/post/hello/``,
    ``https://blog.example.com/2019/05/01/hello.html``) written as a link to the post's source
    file, which :func:`resolve` then leads to the post's current address. Other links, and
    links to pages of the old site that no post had, stay as they are."""
    if not book.old_paths:
        return page_html

    def claim(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        source = _old_post(href, book) if not is_article_link(href) else None
        if source is None:
            return match.group(0)
        return match.group(1) + html.escape(source) + match.group(3)

    return _A_HREF.sub(claim, page_html)


def _old_post(href: str, book: AddressBook) -> str | None:
    """``/<source path>#anchor`` of the post the old site served at ``href``, if any."""
    parts = _split(href)
    if parts is None or parts.scheme.lower() not in ("", *WEB_SCHEMES):
        return None
    if parts.netloc or parts.scheme:
        if not on_site(parts, book.old_site_url) and not book.on_site(parts):
            return None
    elif not parts.path.startswith("/"):
        return None
    path = unquote(parts.path) or "/"
    prefix = urlsplit(book.old_site_url).path.rstrip("/")
    candidates = [path] + ([path[len(prefix):]] if prefix and path.startswith(prefix + "/")
                           else [])
    for candidate in candidates:
        for spelling in old_spellings(candidate):
            source = book.old_paths.get(spelling)
            if source is not None:
                return "/" + source + (f"#{parts.fragment}" if parts.fragment else "")
    return None


def old_spellings(path: str) -> list[str]:
    """The spellings of one old address: the engines wrote ``/post/x/``,
    ``/post/x/index.html`` and ``/post/x`` for the same page."""
    found = [path]
    if path.endswith("/index.html"):
        found += [path.removesuffix("index.html"), path.removesuffix("/index.html")]
    elif path.endswith("/"):
        found += [path.rstrip("/"), path + "index.html"]
    else:
        found += [path + "/", path + "/index.html"]
    return [p for p in dict.fromkeys(found) if p]


def on_site(parts: SplitResult, site_url: str) -> bool:
    """Whether an absolute URL points at the site at ``site_url`` (either scheme)."""
    site = urlsplit(site_url)
    return bool(site.netloc) and parts.netloc.lower() == site.netloc.lower()


@dataclass(frozen=True)
class Resolution:
    """Where a link to an article leads: the address the page links to, the target's source
    path (None: no post there) and anchor, and what is wrong with it, if anything."""

    href: str
    target: str | None
    anchor: str | None
    problem: Notice | None = None


def post_address(slug: str, anchor: str | None = None) -> str:
    """A post's address on the site, as its pages link to it."""
    return f"{POSTS_PREFIX}{slug}" + (f"#{anchor}" if anchor else "")


def is_article_link(href: str) -> bool:
    """Whether ``href`` may name another article: a ``.md``/``.markdown`` path on the site, or
    a ``/posts/...`` address on any host (:func:`resolve` decides which host is the site)."""
    parts = _split(href)
    if parts is None or parts.scheme.lower() not in ("", *WEB_SCHEMES):
        return False
    path = unquote(parts.path)
    if not parts.netloc and not parts.scheme and path.lower().endswith(SOURCE_SUFFIXES):
        return True
    return _POSTS_PATH.search(path) is not None


def is_web_link(href: str) -> bool:
    """Whether ``href`` is an absolute http(s) URL (one :func:`resolve` may still claim)."""
    parts = _split(href)
    return parts is not None and parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def find_links(page_html: str, body: str, body_line: int,
               wanted: Callable[[str], bool] = is_article_link) -> list[FoundLink]:
    """The links of ``page_html`` whose address ``wanted`` accepts, in order, each with the
    line of the file where its address is written (``body`` starts at line ``body_line``)."""
    lines = LineFinder(body, body_line)
    found = []
    for match in _A_HREF.finditer(page_html):
        href = html.unescape(match.group(2))
        if wanted(href):
            found.append(FoundLink(href, lines.line_of(href)))
    return found


class LineFinder:
    """Where each address is written in the Markdown: the first place after the previous link
    to the same address, preferring one that reads as an address over the same words in the
    prose; the first line of the body when the text cannot be found (an address the renderer
    changed, such as a space written as ``%20``)."""

    def __init__(self, body: str, first_line: int) -> None:
        self.body = body
        self.first_line = first_line
        self.searched_from: dict[str, int] = {}

    def line_of(self, href: str) -> int:
        start = self.searched_from.get(href, 0)
        for text in dict.fromkeys((href, unquote(href))):
            offset = self._address_at(text, start)
            if offset is not None:
                self.searched_from[href] = offset + len(text)
                return self.first_line + self.body.count("\n", 0, offset)
        return self.first_line

    def _address_at(self, text: str, start: int) -> int | None:
        written = re.compile(_BEFORE_ADDRESS + re.escape(text)).search(self.body, start)
        if written is not None:
            return written.end() - len(text)
        offset = self.body.find(text, start)
        return None if offset == -1 else offset


def outside_links(page_html: str, text: str, site_url: str) -> list[FoundLink]:
    """The links of a stored post to other sites, with their lines (``text``: the article
    file as written)."""
    try:
        body, body_line = article_body(text)
    except ContentError:  # a notebook, a Pelican header: the whole file, for the lines
        body, body_line = text, 1

    def outside(href: str) -> bool:
        parts = _split(href)
        return is_web_link(href) and parts is not None and not on_site(parts, site_url)

    return find_links(page_html, body, body_line, wanted=outside)


def resolve(link: FoundLink, source: str, book: AddressBook) -> Resolution | None:
    """Where ``link``, in the article at source path ``source``, leads; None when it names no
    article (an outside page, a file, the post's ``.md`` or ``.json`` document)."""
    parts = _split(link.href)
    if parts is None or parts.scheme.lower() not in ("", *WEB_SCHEMES):
        return None
    path, anchor = unquote(parts.path), parts.fragment or None
    if parts.netloc or parts.scheme:
        if not book.on_site(parts):
            return None
    elif path.lower().endswith(SOURCE_SUFFIXES):
        target = _content_path(path, source)
        if target is not None and target in book.posts:
            return _to_post(link, target, anchor, book)
        if _slug_in(book.site_path(path)) is None:
            return Resolution(link.href, None, anchor, _no_article(link, target))
    slug = _slug_in(book.site_path(path))
    if slug is None or slug.endswith(_FORMAT_SUFFIXES):
        return None
    target = book.slugs.get(slug) or book.moved.get(slug)
    if target is not None:
        return _to_post(link, target, anchor, book)
    return Resolution(link.href, None, anchor, _no_post(link, slug, book))


def _split(href: str) -> SplitResult | None:
    try:
        return urlsplit(href)
    except ValueError:  # such as an unclosed IPv6 bracket: no address of ours
        return None


def _slug_in(path: str) -> str | None:
    match = _POSTS_PATH.fullmatch(path)
    return match.group(1) if match else None


def _content_path(path: str, source: str) -> str | None:
    """The source path a link names: relative to the linking file's folder, or to the content
    folder when it starts with ``/``; None when it leads out of the content folder."""
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(
        posixpath.dirname(source), path)
    target = posixpath.normpath(joined)
    return None if target == ".." or target.startswith("../") else target


def _to_post(link: FoundLink, target: str, anchor: str | None,
             book: AddressBook) -> Resolution:
    address = book.posts[target]
    problem = draft_problem(link, target) if address.draft else None
    return Resolution(address.href(anchor), target, anchor, problem)


def draft_problem(link: FoundLink, target: str) -> Notice:
    return Notice(link.line, f"link to {shown(link.href)}: {target} is a draft, which readers "
                  "cannot see", "publish it (draft: false), or remove the link")


def _no_article(link: FoundLink, target: str | None) -> Notice:
    if target is None:
        return Notice(link.line, f"link to {shown(link.href)}: the path leads out of the "
                      "content folder", "link to articles inside the content folder")
    return Notice(link.line, f"link to {shown(link.href)}: there is no article {target}",
                  "a link to an article's file is relative to this file's folder, or to the "
                  "content folder when it starts with /")


def _no_post(link: FoundLink, slug: str, book: AddressBook) -> Notice:
    if slug in book.removed:
        return Notice(link.line, f"link to {shown(link.href)}: that post was removed (the "
                      "address answers 410 Gone)", "remove the link, or link to another post")
    return Notice(link.line, f"link to {shown(link.href)}: no post has the address "
                  f"{post_address(slug)}", "link to the article's file (other.md): that link "
                  "follows the post when its slug changes")


def anchor_problem(link: FoundLink, anchor: str, target: str, ids: set[str]) -> Notice | None:
    """The warning for a link to ``#anchor`` in the post at source path ``target``, whose
    page has the element ids ``ids``; None when the anchor is there."""
    wanted = unquote(anchor)
    if wanted in ids:
        return None
    close = difflib.get_close_matches(wanted, sorted(ids), n=3)
    hint = (f"did you mean {', '.join('#' + name for name in close)}?" if close else
            "a heading's anchor is its text in lower case, words joined by hyphens")
    return Notice(link.line, f"link to {shown(link.href)}: {target} has no heading or element "
                  f"with the id {shown(wanted)}", hint)


def element_ids(page_html: str) -> set[str]:
    """The ids a link's ``#anchor`` may name in a rendered post: headings, footnotes, and any
    element the author gave one."""
    return {html.unescape(value) for value in _ID.findall(page_html)}


def rewrite_links(page_html: str, new_hrefs: dict[int, str]) -> str:
    """``page_html`` with its article links (:func:`find_links`' list, by position) pointing at
    the addresses of ``new_hrefs``; every other link as it was.

    By position, not by address: a link keeps its position however often its address is
    rewritten, so the link graph (which stores positions) can rewrite a page again after a
    rename, even when two posts traded slugs or the address as written is long gone.
    """
    if not new_hrefs:
        return page_html
    position = -1

    def swap(tag_match: re.Match[str]) -> str:
        nonlocal position
        tag = tag_match.group(0)
        match = _A_HREF.match(tag)
        if match is None or not (ARTICLE_MARK in tag
                                 or is_article_link(html.unescape(match.group(2)))):
            return tag
        position += 1
        new = new_hrefs.get(position)
        if new is None:
            return tag
        rest = tag[match.end():]
        mark = "" if ARTICLE_MARK in tag else f" {ARTICLE_MARK}"
        return match.group(1) + html.escape(new) + match.group(3) + mark + rest

    return _A_TAG.sub(swap, page_html)


def shown(text: str) -> str:
    """An address or id quoted for a message, cut short when it is very long."""
    return repr(text if len(text) <= _SHOWN_HREF else text[:_SHOWN_HREF] + "…")
