"""URL pieces every blueprint shares: what a slug, a number and a page's address look like,
and which first path segments Folio's own routes own."""

from __future__ import annotations

import re
from typing import Any

from flask.sansio.app import App
from werkzeug.routing import BaseConverter, Map, ValidationError
from werkzeug.routing.rules import parse_converter_args

from app.content.pages import ADDRESS_REGEX

# Every slug the importer writes is lower-case ASCII words joined by hyphens; anything else
# (a NUL byte, 300 characters, capitals) cannot name a post, tag, category or author, so it
# matches no route and is a 404 without reaching the database.
SLUG_REGEX = "[a-z0-9][a-z0-9-]{0,199}"

# Page numbers (``?page=``) and numbered files (``/sitemaps/posts-N.xml``) run from 1 to
# MAX_NUMBER: far beyond any blog (a million pages), and small enough that the offset it
# becomes (number x a page size) stays inside the 64-bit integers SQLite and PostgreSQL count
# in. ASCII digits with no sign and no leading zero, so each number has one address: "0",
# "-1", "01", "1e3", a non-ASCII digit or 10**20 is no number of ours, a 404 that never
# reaches the database. (The API answers 400 instead, with the reason: app.api.fields.Count.)
MAX_NUMBER = 1_000_000
NUMBER_REGEX = "[1-9][0-9]{0,6}"
_NUMBER = re.compile(NUMBER_REGEX)


def parse_number(text: str) -> int | None:
    """``text`` as a page or file number, or None when no address of ours could mean it."""
    if not _NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_NUMBER else None


class SlugConverter(BaseConverter):
    """``<slug:name>`` in a URL rule."""

    regex = SLUG_REGEX


class NumberConverter(BaseConverter):
    """``<number:name>`` in a URL rule: 1 to MAX_NUMBER, as ``parse_number`` reads it."""

    regex = NUMBER_REGEX

    def to_python(self, value: str) -> int:
        number = parse_number(value)
        if number is None:
            raise ValidationError()  # matches no rule: a 404
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class PageAddressConverter(BaseConverter):
    """``<page:address>``: a page's address as the importer stores it (``/about/team``), read
    from the path with or without a trailing slash. Anything no page could have (capitals,
    ``..``, a NUL byte) matches no rule: a 404 that never reaches the database."""

    regex = f"{ADDRESS_REGEX}/?"
    part_isolating = False  # an address spans several path segments
    weight = 300  # below every other rule: Folio's own pages come first

    def to_python(self, value: str) -> str:
        return "/" + value

    def to_url(self, value: Any) -> str:
        return super().to_url(str(value).lstrip("/"))


CONVERTERS: dict[str, type[BaseConverter]] = {"slug": SlugConverter, "number": NumberConverter,
                                              "page": PageAddressConverter}
_ANY = re.compile(r"<any\((?P<args>.*)\):\w+>")


def reserved_names(url_map: Map, besides: str) -> frozenset[str]:
    """The first path segments Folio's own routes own (``tags``, ``search``, ``feed.xml``...),
    read from the URL map: a page there would hide a route or be hidden by it. ``besides`` is
    the endpoint serving pages. Raises RuntimeError for a route starting with a variable
    other than ``any(...)``, which would leave no address free for a page."""
    names: set[str] = set()
    for rule in url_map.iter_rules():
        if rule.endpoint == besides:
            continue
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if "<" not in first:
            names.add(first)
            continue
        words = _ANY.fullmatch(first)
        if words is None:
            raise RuntimeError(f"the route {rule.rule} ({rule.endpoint}) starts with a "
                               "variable: pages could never be told apart from it")
        names.update(str(word) for word in parse_converter_args(words.group("args"))[0])
    names.discard("")  # the home page: no page has an empty address anyway
    return frozenset(names)


def install(app: App) -> None:
    """Make ``<slug:...>`` and ``<number:...>`` available to the app's URL rules."""
    app.url_map.converters.update(CONVERTERS)
