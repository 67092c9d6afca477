"""Addresses written by authors, made into valid URLs."""

from __future__ import annotations

import re
from urllib.parse import quote

# ASCII a URL may not carry (per the URL standard). Non-ASCII stays as written: browsers and
# checkers accept it, hosts such as bücher.example keep working, and paths stay readable.
_NOT_IN_URL = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


# The scheme and host, where "[" and "]" belong (an IPv6 address: http://[::1]:8080/).
_AUTHORITY = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]*")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def url_safe(address: str) -> str:
    """Percent-encode what may not appear in a URL (spaces, quotes, angle brackets, braces),
    so ``my photo.jpg`` works and nothing can break out of an HTML attribute; and, past the
    host, what the URL standard does not allow there: brackets, a ``%`` that starts no escape
    (``w=100%``) and a second ``#``. A browser sends the same request for either spelling."""
    address = _NOT_IN_URL.sub(lambda match: quote(match.group(0)), address.strip())
    authority = _AUTHORITY.match(address)
    start = authority.end() if authority else 0
    rest = _STRAY_PERCENT.sub("%25", address[start:]).replace("[", "%5B").replace("]", "%5D")
    fragment = rest.find("#")
    if fragment != -1:
        rest = rest[:fragment + 1] + rest[fragment + 1:].replace("#", "%23")
    return address[:start] + rest
