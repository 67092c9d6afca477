"""Content codings for cached responses: each entry is compressed once, when it is stored, and
every hit picks the coding the client accepts, with no compression work per request.

Brotli where accepted, else gzip, else the body as it is. Quality is chosen for the moment
of storing, which is a reader's cache miss: Brotli at 5 costs about 2 ms on a 20 kB post page
and comes within 1% of quality 8 (quality 11 saves 12% more but takes 40 ms); gzip at 6 is
as small as at 9 on pages.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping

import brotlicffi

BROTLI_QUALITY = 5
GZIP_LEVEL = 6
# Below about a kilobyte a compressed body rarely saves a packet, and costs the client a
# decompression.
MIN_BYTES = 1024
# Text Folio serves: pages, feeds, the sitemap, the API, stylesheets. Media is compressed
# already (JPEG, PNG, WebP) and never goes through here.
COMPRESSIBLE_TYPES = frozenset({
    "text/html", "text/css", "text/plain", "text/xml", "text/javascript",
    "application/json", "application/problem+json", "application/xml",
    "application/atom+xml", "application/rss+xml", "application/javascript",
    "application/manifest+json", "image/svg+xml",
})
# The codings in the order Folio prefers them, with the suffix each gives the ETag.
PREFERRED = ("br", "gzip")
ETAG_SUFFIX = {"br": "-br", "gzip": "-gz"}


def compressed_forms(body: bytes, content_type: str | None) -> dict[str, bytes]:
    """The body in each coding that makes it smaller, for a type worth compressing and a
    body big enough to gain; empty otherwise."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if len(body) < MIN_BYTES or media_type not in COMPRESSIBLE_TYPES:
        return {}
    forms = {
        "br": brotlicffi.compress(body, quality=BROTLI_QUALITY),
        # mtime=0: the same body gives the same bytes in every worker.
        "gzip": gzip.compress(body, GZIP_LEVEL, mtime=0),
    }
    return {coding: data for coding, data in forms.items() if len(data) < len(body)}


def accepted(header: str | None) -> frozenset[str]:
    """The codings of ``PREFERRED`` an ``Accept-Encoding`` header allows: named with a
    quality above zero, or covered by ``*``. No header, or ``identity`` alone, allows none."""
    if not header:
        return frozenset()
    qualities: dict[str, float] = {}
    for part in header.split(","):
        name, _, parameters = part.partition(";")
        coding = name.strip().lower()
        if not coding:
            continue
        qualities[coding] = _quality(parameters)
    found = set()
    for coding in PREFERRED:
        quality = qualities.get(coding, qualities.get("x-gzip") if coding == "gzip" else None)
        if quality is None:
            quality = qualities.get("*", 0.0)
        if quality > 0:
            found.add(coding)
    return frozenset(found)


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0  # an unreadable weight refuses rather than guesses
    return 1.0


def choose(forms: Mapping[str, bytes], allowed: frozenset[str]) -> str | None:
    """The coding to send: Folio's first preference the client allows and the entry has;
    None for the body as it is."""
    return next((coding for coding in PREFERRED if coding in allowed and coding in forms), None)


def coded_etag(etag: str, coding: str | None) -> str:
    """The ETag of one coding of a representation (``"abc"`` -> ``"abc-br"``): caches and
    browsers must not take one coding's bytes for another's."""
    if coding is None:
        return etag
    return f'{etag[:-1]}{ETAG_SUFFIX[coding]}"'
