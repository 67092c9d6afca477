"""Maths in a real browser: the MathML Folio writes is laid out by Chromium itself, with no
script, in light and dark, on a phone and a wide screen; axe finds nothing to fix.

The post is the sample article ``content/the-maths-of-cache-hit-rates.md``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter

pytestmark = pytest.mark.browser

MATHS_POST = "/posts/the-maths-of-cache-hit-rates"


def boxes(page: Page, selector: str) -> list[dict[str, Any]]:
    return list(page.evaluate("""selector => [...document.querySelectorAll(selector)].map(e => {
        const r = e.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                width: r.width, height: r.height};
    })""", selector))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_equations_are_laid_out_and_photographed(sample_site: Flask, live_server: str,
                                                 new_page: PageFactory,
                                                 screenshot: Screenshotter, viewport: str,
                                                 scheme: str) -> None:
    page = new_page(viewport, scheme)
    page.goto(live_server + MATHS_POST)

    maths = boxes(page, ".prose math")
    assert len(maths) > 30
    assert all(box["width"] > 0 and box["height"] > 0 for box in maths)
    # MathML is laid out, not shown as a line of text: each fraction's numerator sits above
    # its denominator, and a display equation is taller than a line.
    fractions = page.evaluate("""() => [...document.querySelectorAll('.prose mfrac')].map(
        f => [f.children[0].getBoundingClientRect().bottom,
              f.children[1].getBoundingClientRect().top])""")
    assert fractions and all(numerator <= denominator + 1 for numerator, denominator in fractions)
    line = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.prose p'))"
                               ".lineHeight)"))
    assert max(box["height"] for box in boxes(page, ".math-display math")) > 1.5 * line
    # Aligned equations line up on their = signs (Chromium reads CSS, not columnalign).
    equals = boxes(page, '.prose mtd[columnalign="left"] > mo:first-of-type')
    assert len(equals) >= 2 and max(b["left"] for b in equals) - min(b["left"] for b in equals) < 1
    # The TeX source is there for copying, never shown.
    assert page.locator(".prose annotation").first.is_hidden()
    # Maths follows the scheme's text colour, so it is as legible as the prose.
    colours = page.evaluate("[getComputedStyle(document.querySelector('.prose math')).color,"
                            " getComputedStyle(document.querySelector('.prose p')).color]")
    assert colours[0] == colours[1]
    widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]

    assert screenshot(page, f"maths-{viewport}-{scheme}").stat().st_size > 10_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violation_in_the_maths(sample_site: Flask, live_server: str,
                                                  new_page: PageFactory, scheme: str) -> None:
    for viewport in ("wide", "phone"):  # on a phone the widest equations scroll
        page = new_page(viewport, scheme)
        page.goto(live_server + MATHS_POST)

        violations = webcheck.axe_violations(page)

        assert violations == [], webcheck.format_violations(violations)
