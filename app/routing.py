"""URL pieces every blueprint shares: what a slug and a number look like in an address."""

from __future__ import annotations

import re
from typing import Any

from flask.sansio.app import App
from werkzeug.routing import BaseConverter, ValidationError

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


CONVERTERS: dict[str, type[BaseConverter]] = {"slug": SlugConverter, "number": NumberConverter}


def install(app: App) -> None:
    """Make ``<slug:...>`` and ``<number:...>`` available to the app's URL rules."""
    app.url_map.converters.update(CONVERTERS)
