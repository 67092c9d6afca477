"""Making post HTML fit for a feed reader, which has no idea where the post lives.

Pure functions over text: no Flask, no database.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

# The sanitiser writes every attribute double-quoted, so this sees all of them.
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
# Characters XML 1.0 forbids outright; a feed containing one is not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def absolute_links(markup: str, page_url: str) -> str:
    """Resolve every link and image address against the post's own URL.

    ``/static/a.png`` gets the site's host, ``#fn:1`` points into the post, and absolute
    addresses are left as they were.
    """
    def resolve(match: re.Match[str]) -> str:
        address = urljoin(page_url, html.unescape(match.group(2)))
        return match.group(1) + html.escape(address) + match.group(3)

    return _URL_ATTRIBUTE.sub(resolve, markup)


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
