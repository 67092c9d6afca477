"""URL pieces every blueprint shares."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

# Every slug the importer writes is lower-case ASCII words joined by hyphens; anything else
# (a NUL byte, 300 characters, capitals) cannot name a post, tag, category or author, so it
# matches no route and is a 404 without reaching the database.
SLUG_REGEX = "[a-z0-9][a-z0-9-]{0,199}"


class SlugConverter(BaseConverter):
    """``<slug:name>`` in a URL rule."""

    regex = SLUG_REGEX
