"""Filters and globals the templates share: dates in the blog's time zone, absolute URLs,
the site menu."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, urljoin
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, url_for

from app import menu
from app.content.media import Picture


def register(app: Flask) -> None:
    app.add_template_filter(local_date)
    app.add_template_filter(iso_datetime)
    app.add_template_filter(rfc822_datetime)
    app.add_template_filter(toc_size)
    app.add_template_filter(own_numbers)
    app.add_template_filter(bind_short_words)
    app.add_template_global(absolute_url)
    app.add_template_global(absolute)
    app.add_template_global(preview_image)
    app.add_template_global(address_builder)
    menu.init_app(app)

    @app.context_processor
    def site() -> dict[str, Any]:
        config = current_app.config
        return {
            "site_name": config["SITE_NAME"],
            "site_description": config["SITE_DESCRIPTION"],
            "site_language": config["SITE_LANGUAGE"],
            # Loaded here, before rendering: templates never query.
            "site_menu": menu.site_menu() if has_request_context() else [],
        }


def preview_image(image: str | None, image_media: dict[str, Any] | None) -> str | None:
    """A link preview's image: a variant of the post's image no wider than the largest one
    (app.content.media), or the image as written."""
    if image_media:
        return Picture.from_dict(image_media).preview
    return image


def local_date(moment: datetime) -> str:
    """A publication date as readers of this blog read it: in the blog's time zone."""
    return date_in_words(moment.astimezone(ZoneInfo(current_app.config["BLOG_TIMEZONE"])))


def date_in_words(local: datetime) -> str:
    """``January 5, 2026``: a date as it reads on a page, in the zone ``local`` is in."""
    return f"{local:%B} {local.day}, {local.year}"


def iso_datetime(moment: datetime) -> str:
    return moment.isoformat()


def rfc822_datetime(moment: datetime) -> str:
    """RSS 2.0 dates."""
    return format_datetime(moment)


def toc_size(entries: list[dict[str, Any]]) -> int:
    """Headings in a table of contents, nested ones included."""
    return sum(1 + toc_size(entry.get("children", [])) for entry in entries)


# A heading's own number: "1.", "2)", "10:", "1.2", "IV.", "b)"; a bare digit run ("1 Setup")
# counts only when every sibling has one too (own_numbers asks that of them all).
_OWN_NUMBER = re.compile(r"((?:\d+(?:\.\d+)*|[IVXLC]+|[A-Za-z])[.):]|\d+(?:\.\d+)*)\s+(\S.*)",
                         re.DOTALL)


def own_numbers(entries: list[dict[str, Any]]) -> list[tuple[str, str]] | None:
    """(number, rest) of each entry of a table of contents when every one of its headings
    carries its own number ("1. Irssi"): the list then shows those numbers and not its own
    as well ("a. 1. Irssi"). None otherwise, or for a single entry."""
    found = [_OWN_NUMBER.fullmatch(str(entry.get("name", ""))) for entry in entries]
    if len(found) < 2 or not all(found):
        return None
    return [(match.group(1), match.group(2)) for match in found if match is not None]


# A one-letter word ("A", "I") and the space after it: a title's line must not end on it.
_SHORT_WORD = re.compile(r"(?<!\S)(\w)[ \t]+(?=\S)")


def bind_short_words(text: str) -> str:
    """Tie each one-letter word to the word after it with a no-break space, so a heading
    never leaves a lone "A" at the end of a line."""
    return _SHORT_WORD.sub("\\1\u00a0", text)


def site_root() -> str:
    return str(current_app.config["SITE_URL"]).rstrip("/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """``url_for`` on the public address in SITE_URL, whatever host the request came in on."""
    path = url_for(endpoint, **values)
    script_root = request.script_root if has_request_context() else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root):]
    return site_root() + path


# A value no address holds, and which quoting leaves as it is.
_SLOT = "folio-address-slot"
# Werkzeug's quoting of a path segment (BaseConverter.to_url), which every converter of a
# name in Folio's rules uses.
_SEGMENT_SAFE = "!$&'()*+,/:;=@"


def address_builder(endpoint: str, name: str, *, external: bool = False) -> Callable[[Any], str]:
    """``url_for(endpoint, name=value)`` for many values (``absolute_url`` when ``external``):
    the sitemap and the archive link every post, and building each address through the URL
    map took half their time. The address is built once around a placeholder; each value is
    quoted as the rule's converter would, which is checked on a value needing quoting (a rule
    whose converter builds otherwise gets ``url_for`` for each value)."""
    build = absolute_url if external else url_for

    def each(value: Any) -> str:
        return build(endpoint, **{name: value})

    try:
        head, slot, tail = each(_SLOT).partition(_SLOT)
    except ValueError:  # a converter refusing the placeholder (a number) builds its own way
        return each

    def fast(value: Any) -> str:
        return head + quote(str(value), safe=_SEGMENT_SAFE) + tail

    sample = "a b/ü%?#"
    return fast if slot and fast(sample) == each(sample) else each


def absolute(address: str) -> str:
    """An address from content (``/static/x.png``, ``https://...``) made absolute."""
    return urljoin(site_root() + "/", address)
