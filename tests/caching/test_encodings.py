"""Content codings, the pure part (app.caching.encodings): what a client accepts, what is
worth compressing, and each coding's ETag."""

from __future__ import annotations

import gzip

import brotlicffi
import pytest

from app.caching.encodings import MIN_BYTES, accepted, choose, coded_etag, compressed_forms

PAGE = ("<!doctype html><p>" + "A paragraph of a post, as pages repeat their markup. " * 60
        ).encode()


@pytest.mark.parametrize(("header", "codings"), [
    (None, set()),
    ("", set()),
    ("identity", set()),
    ("gzip", {"gzip"}),
    ("br, gzip", {"br", "gzip"}),
    ("gzip, deflate, br, zstd", {"br", "gzip"}),  # what Chromium sends
    ("BR;Q=1.0, GZIP", {"br", "gzip"}),
    ("br;q=0, gzip;q=0.5", {"gzip"}),
    ("br;q=0.0", set()),
    ("*", {"br", "gzip"}),
    ("*;q=0, gzip", {"gzip"}),
    ("br;q=0, *", {"gzip"}),
    ("x-gzip", {"gzip"}),
    ("gzip;q=nonsense, br", {"br"}),
    (" , ,gzip", {"gzip"}),
])
def test_accepted_codings(header: str | None, codings: set[str]) -> None:
    assert accepted(header) == codings


def test_forms_decompress_to_the_body() -> None:
    forms = compressed_forms(PAGE, "text/html; charset=utf-8")
    assert set(forms) == {"br", "gzip"}
    assert brotlicffi.decompress(forms["br"]) == PAGE
    assert gzip.decompress(forms["gzip"]) == PAGE
    assert len(forms["br"]) < len(forms["gzip"]) < len(PAGE) / 5


def test_the_same_body_compresses_to_the_same_bytes() -> None:
    # Every worker stores its own copy: the same ETag must mean the same bytes.
    assert compressed_forms(PAGE, "text/html") == compressed_forms(PAGE, "text/html")


@pytest.mark.parametrize("content_type", ["application/json", "application/atom+xml",
                                          "application/xml", "text/css", "image/svg+xml"])
def test_text_types_are_compressed(content_type: str) -> None:
    assert compressed_forms(PAGE, content_type)


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/webp", "application/pdf",
                                          "application/octet-stream", None])
def test_what_is_compressed_already_is_left_as_it_is(content_type: str | None) -> None:
    assert compressed_forms(PAGE, content_type) == {}


def test_a_body_too_small_to_gain_is_sent_as_it_is() -> None:
    assert compressed_forms(PAGE[:MIN_BYTES - 1], "text/html") == {}


def test_a_coding_that_does_not_shrink_the_body_is_not_kept() -> None:
    noise = bytes(range(256)) * 8  # compresses, but brotli's framing may not gain on it
    for coding, data in compressed_forms(noise, "text/plain").items():
        assert len(data) < len(noise), coding


def test_choose_prefers_brotli_and_needs_the_form() -> None:
    forms = {"br": b"b", "gzip": b"g"}
    assert choose(forms, frozenset({"br", "gzip"})) == "br"
    assert choose(forms, frozenset({"gzip"})) == "gzip"
    assert choose({"gzip": b"g"}, frozenset({"br"})) is None
    assert choose({}, frozenset({"br", "gzip"})) is None


def test_each_coding_has_its_own_etag() -> None:
    assert coded_etag('"abc"', None) == '"abc"'
    assert coded_etag('"abc"', "br") == '"abc-br"'
    assert coded_etag('"abc"', "gzip") == '"abc-gz"'
