"""The header a new reader saw (issue 11, points 7 and 7b) in a real browser: one row with the
name, the menu and the search on a wide screen; a "Menu" disclosure on a phone that works by
keyboard without script; one search box on the 404; the site's name once on the home page."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter

pytestmark = pytest.mark.browser

PAGES = ["/", "/posts/structuring-flask-projects", "/tags/", "/archive/", "/about"]


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


@pytest.mark.parametrize("path", PAGES)
def test_the_search_box_shares_the_headers_one_row(sample_site: Flask, live_server: str,
                                                   new_page: PageFactory,
                                                   screenshot: Screenshotter, path: str) -> None:
    page = new_page("1280")
    page.goto(live_server + path)

    title, search = box(page.locator(".site-title")), box(page.locator("header form"))
    links = page.locator(".site-nav a")
    tops = {round(box(links.nth(n))["y"]) for n in range(links.count())}
    assert abs((title["y"] + title["height"] / 2) - (search["y"] + search["height"] / 2)) < 8
    assert len(tops) == 1  # the menu on one line too
    assert box(page.locator(".site-header"))["height"] < 80
    expect(page.locator(".site-menu__toggle")).to_be_hidden()
    if path == "/":
        screenshot(page, "header-1280-light", full_page=False)


def test_the_404_page_has_one_search_box(sample_site: Flask, live_server: str,
                                         new_page: PageFactory,
                                         screenshot: Screenshotter) -> None:
    for size in ("1280", "390"):
        page = new_page(size)
        page.goto(live_server + "/no/such/page")

        assert page.locator("input[type=search]").count() == 1
        expect(page.locator("main input[type=search]")).to_be_visible()
        screenshot(page, f"not-found-{size}-light")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_phone_menu_opens_and_closes_by_keyboard(sample_site: Flask, live_server: str,
                                                     new_page: PageFactory,
                                                     screenshot: Screenshotter,
                                                     scheme: str) -> None:
    page: Page = new_page("390", scheme)
    page.goto(live_server + "/posts/reading-explain-plans")
    nav, search = page.locator("nav.site-nav"), page.locator("header form")
    expect(nav).to_be_hidden()
    expect(search).to_be_hidden()
    assert box(page.locator(".site-header"))["height"] < 80  # one row: the name and "Menu"
    screenshot(page, f"menu-closed-390-{scheme}", full_page=False)

    toggle = page.locator(".site-menu__toggle")
    for _ in range(5):
        page.keyboard.press("Tab")
        if toggle.evaluate("element => element === document.activeElement"):
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")

    expect(nav).to_be_visible()
    expect(search).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Home")).to_be_focused()
    assert webcheck.axe_violations(page) == []
    screenshot(page, f"menu-open-390-{scheme}", full_page=False)

    toggle.focus()
    page.keyboard.press("Space")
    expect(nav).to_be_hidden()


def test_a_wide_screen_reaches_the_menu_by_keyboard(sample_site: Flask, live_server: str,
                                                    new_page: PageFactory) -> None:
    page = new_page("1280")
    page.goto(live_server + "/archive/")

    focused = []
    for _ in range(9):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.textContent.trim()"))

    menu = ["Home", "Archive", "Tags", "Categories", "Authors", "About"]
    assert [name for name in focused if name in menu] == menu


def test_the_home_page_shows_the_site_name_once(sample_site: Flask, live_server: str,
                                                new_page: PageFactory,
                                                screenshot: Screenshotter) -> None:
    for size in ("1280", "390"):
        page = new_page(size)
        page.goto(live_server + "/")

        expect(page.get_by_text("Folio", exact=True)).to_have_count(1)
        expect(page.get_by_role("heading", level=1)).to_have_text("Folio")
        screenshot(page, f"home-{size}-light", full_page=False)
