"""Addresses written by authors, made into valid URLs."""

from __future__ import annotations

import re
from urllib.parse import quote

# ASCII a URL may not carry (per the URL standard). Non-ASCII stays as written: browsers and
# checkers accept it, hosts such as bücher.example keep working, and paths stay readable.
_NOT_IN_URL = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


def url_safe(address: str) -> str:
    """Percent-encode what may not appear in a URL (spaces, quotes, angle brackets, braces),
    so ``my photo.jpg`` works and nothing can break out of an HTML attribute."""
    return _NOT_IN_URL.sub(lambda match: quote(match.group(0)), address.strip())
