"""Making post HTML fit for a feed reader, which has no idea where the post lives, and plain
text fit for fields that readers may take as HTML.

Pure functions over text: no Flask, no database.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

# The sanitiser writes every attribute double-quoted, so this sees all of them.
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src|poster)=")([^"]*)(")')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)(")')
# Characters XML 1.0 forbids outright; a feed containing one is not well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def absolute_links(markup: str, page_url: str) -> str:
    """Resolve every link and image address against the post's own URL.

    ``/static/a.png`` gets the site's host, ``#fn:1`` points into the post, and absolute
    addresses are left as they were; so are the candidates of a ``srcset``.
    """
    def resolve(match: re.Match[str]) -> str:
        address = urljoin(page_url, html.unescape(match.group(2)))
        return match.group(1) + html.escape(address) + match.group(3)

    def resolve_candidates(match: re.Match[str]) -> str:
        candidates = []
        for candidate in html.unescape(match.group(2)).split(","):
            address, _, size = candidate.strip().partition(" ")
            candidates.append(" ".join(filter(None, (urljoin(page_url, address), size))))
        return match.group(1) + html.escape(", ".join(candidates)) + match.group(3)

    return _SRCSET.sub(resolve_candidates, _URL_ATTRIBUTE.sub(resolve, markup))


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def text_as_html(text: str) -> str:
    """Plain text as HTML that shows exactly that text, for a field declared or read as HTML
    (Atom ``type="html"``, RSS ``description``).

    The template's autoescape then escapes it once more for XML, so a reader's one decoding
    leaves ``&lt;`` where the text had ``<``: a title or excerpt that reads ``<img onerror>``
    is shown, not run.
    """
    return html.escape(text, quote=False)


def inert_text(text: str) -> str:
    """Plain text for a field that cannot say whether it is text or HTML (Atom ``name`` and
    category ``label``, RSS ``title``, ``category`` and ``dc:creator``): some readers show it
    as text, others paint it as HTML.

    Only ``<`` and ``>`` are escaped: after one decoding no ``<`` is left to open an element
    whichever way the reader goes, and an ``&`` (as in "Q&A") still reads right both ways.
    """
    return text.replace("<", "&lt;").replace(">", "&gt;")
