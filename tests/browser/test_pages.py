"""A page (issue 11, point 6) in a real browser: the sample site's About page, reached from
the menu, on a phone and a wide screen, light and dark."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["1280", "390"])
def test_the_about_page_is_reached_from_the_menu(sample_site: Flask, live_server: str,
                                                 new_page: PageFactory,
                                                 screenshot: Screenshotter, size: str,
                                                 scheme: str) -> None:
    page = new_page(size, scheme)
    page.goto(live_server + "/archive/")
    if size == "390":
        page.get_by_text("Menu", exact=True).click()

    page.get_by_role("navigation", name="Site").get_by_role("link", name="About").click()

    expect(page).to_have_url(live_server + "/about")
    expect(page.get_by_role("heading", level=1)).to_have_text("About")
    expect(page.locator(".site-nav a[aria-current=page]")).to_have_text("About")
    expect(page.locator(".post-meta, .post-nav, .related")).to_have_count(0)
    assert webcheck.axe_violations(page) == []
    screenshot(page, f"about-{size}-{scheme}")
