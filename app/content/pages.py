"""Pages: articles that stand alone (an about page, a colophon) instead of joining the stream
of posts. A file is a page when its frontmatter says ``type: page``, or when it lives in the
``pages/`` folder of the content.

A page answers at ``/<slug>``, or at the site path its ``url:`` names. Folio's own routes
(``/tags/``, ``/search``, ``/api/``...) own their first path segment: a page there would hide
them or be hidden, so it is an error. Which names those are is the app's to say (its URL map);
the caller hands them in as plain data, since nothing here may know Flask.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import PurePosixPath
from typing import Any, Final

from app.content.problems import ContentError

POST: Final = "post"
PAGE: Final = "page"
KINDS = (POST, PAGE)
PAGES_FOLDER = "pages"
MAX_ADDRESS_LENGTH = 200  # Post.path

# One segment of a page's address: lower-case ASCII letters and digits, with hyphens, dots
# and underscores inside (``about``, ``colophon.html``). Nothing a browser would rewrite
# (``..``, ``%2e``, a backslash) and nothing two spellings of which could name one page.
SEGMENT_REGEX = "[a-z0-9][a-z0-9._-]{0,99}"
ADDRESS_REGEX = f"{SEGMENT_REGEX}(?:/{SEGMENT_REGEX})*"
_ADDRESS = re.compile(ADDRESS_REGEX)
URL_HINT = "write a path on this site in lower case, such as: url: /about or url: /about/team"


def in_pages_folder(rel: str) -> bool:
    """Whether the article ``rel`` (a path relative to the content folder) is under ``pages/``."""
    parts = PurePosixPath(rel).parts
    return len(parts) > 1 and parts[0] == PAGES_FOLDER


def parse_url(value: Any) -> str:
    """A page's ``url:`` as the address it is stored and served at: ``/about/team``, with no
    trailing slash. Raises ContentError for anything but a path on this site."""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(1, "must be a path such as /about", URL_HINT)
    text = value.strip()
    if "://" in text or text.startswith("//") or not text.startswith("/"):
        raise ContentError(1, f"{text!r} is not a path on this site (no scheme or host)",
                           URL_HINT)
    path = text.rstrip("/")
    if not path:
        raise ContentError(1, "'/' is the home page, which lists the posts",
                           "give the page an address of its own, such as: url: /about")
    if not _ADDRESS.fullmatch(path[1:]):
        raise ContentError(1, f"{text!r} holds characters a page address cannot have",
                           URL_HINT)
    if len(path) > MAX_ADDRESS_LENGTH:
        raise ContentError(1, f"is {len(path)} characters long (at most {MAX_ADDRESS_LENGTH})",
                           "use a shorter path, such as: url: /about")
    return path


def address_of(slug: str, url: str | None) -> str:
    """Where a page answers: its ``url:``, else ``/<slug>``."""
    return url if url is not None else f"/{slug}"


def reserved_segment(address: str, reserved: Collection[str]) -> str | None:
    """The first segment of ``address`` when one of Folio's own routes owns it, else None."""
    first = address.lstrip("/").split("/", 1)[0]
    return first if first in reserved else None
