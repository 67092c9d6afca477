"""Images from the media store in a real browser: the sample article with its pictures beside
it (``content/what-an-image-costs-a-page/``), on a phone and a wide screen, light and dark.

Chromium picks a variant from the ``<picture>`` the import wrote (a modern format, no wider
than it needs), every image has its size before it loads, the lazy ones wait, and the
site's Content-Security-Policy lets all of it through.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter

pytestmark = pytest.mark.browser

IMAGE_POST = "/posts/what-an-image-costs-a-page"


def images(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("""() => [...document.querySelectorAll('article.post img')]
      .map(i => ({
        src: i.currentSrc, complete: i.complete, natural: i.naturalWidth,
        width: i.getAttribute('width'), height: i.getAttribute('height'),
        loading: i.getAttribute('loading'), shown: i.getBoundingClientRect().width}))"""))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_the_pictures_load_as_variants_sized_before_they_arrive(
        sample_site: Flask, live_server: str, new_page: PageFactory,
        screenshot: Screenshotter, viewport: str, scheme: str) -> None:
    page = new_page(viewport, scheme)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(live_server + IMAGE_POST)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("[...document.querySelectorAll('article.post img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")

    found = images(page)
    assert len(found) == 3  # the hero, the chart, the photograph again
    for image in found:
        assert image["src"].startswith(live_server + "/media/"), image
        assert image["width"] and image["height"], image
        assert image["src"].endswith((".avif", ".webp")), image  # Chromium takes a modern one
    assert found[0]["loading"] is None  # the hero loads at once
    assert all(image["loading"] == "lazy" for image in found[1:])
    if viewport == "phone":  # a phone is sent a narrow variant, not the 2400-pixel original
        assert all(image["natural"] <= 1600 for image in found)
    assert violations == []
    assert webcheck.axe_violations(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"images-{viewport}-{scheme}")
