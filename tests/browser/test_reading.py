"""A reader in a real browser: finding their way around, by mouse and by keyboard, on a phone
and a wide screen, in light and dark; and axe-core's WCAG 2 A/AA verdict on the main pages.

The site is the repository's own sample content (the sample_site fixture).
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter

pytestmark = pytest.mark.browser

POST = "/posts/structuring-flask-projects"  # code in several languages, a table, footnotes
PAGES = ["/", POST, "/posts/reading-explain-plans", "/posts/the-maths-of-cache-hit-rates",
         "/tags/", "/tags/python", "/categories/", "/authors/", "/archive/", "/no/such/page",
         "/search?q=flask", "/about"]


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_reader_walks_the_site_and_back(sample_site: Flask, live_server: str,
                                        page: Page) -> None:
    page.goto(live_server + "/")
    page.locator(".post-card__title a").first.click()
    post_title = heading(page)
    assert page.url.startswith(live_server + "/posts/")

    tag = page.locator(".post .tag-list a").first
    tag_name = tag.inner_text()
    tag.click()
    assert heading(page) == f"Posts tagged “{tag_name}”"

    category = page.locator(".post-card .post-meta__category").first
    category_name = category.inner_text()
    category.click()
    assert heading(page) == f"Posts in {category_name}"

    author = page.locator(".post-card .post-meta__author").first
    author_name = author.inner_text()
    author.click()
    assert heading(page) == f"Posts by {author_name}"
    author_url = page.url

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Archive").click()
    assert heading(page) == "Archive"
    expect(page.locator(".archive-list a", has_text=post_title)).to_have_count(1)

    page.go_back()
    assert page.url == author_url and heading(page) == f"Posts by {author_name}"


def test_keyboard_alone_reaches_the_content(sample_site: Flask, live_server: str,
                                            page: Page) -> None:
    page.goto(live_server + POST)

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport(ratio=1)  # off-screen until focused, then shown in full

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.querySelector('main').contains(document.activeElement)"
                                " && document.activeElement.tagName")
    assert inside_main == "A"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # focus is visible


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scrolling_on_a_phone(sample_site: Flask, live_server: str,
                                            new_page: PageFactory, path: str) -> None:
    page = new_page("phone")
    page.goto(live_server + path)

    widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"{path} is {widths[0]}px wide on a {widths[1]}px screen"


def code_background_luminance(page: Page) -> float:
    """Luminance (0 black, 1 white) of what is painted behind the first code block."""
    return float(page.evaluate("""() => {
        let element = document.querySelector('.highlight pre');
        let colour = 'rgba(0, 0, 0, 0)';
        while (element && /rgba\\(.*, 0\\)$|transparent/.test(colour)) {
            colour = getComputedStyle(element).backgroundColor;
            element = element.parentElement;
        }
        const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    }"""))


def test_code_blocks_follow_the_colour_scheme(sample_site: Flask, live_server: str,
                                              new_page: PageFactory) -> None:
    dark, light = new_page("wide", "dark"), new_page("wide", "light")
    for page in (dark, light):
        page.goto(live_server + POST)

    assert code_background_luminance(dark) < 0.2
    assert code_background_luminance(light) > 0.8
    body_colours = [p.evaluate("getComputedStyle(document.body).backgroundColor")
                    for p in (dark, light)]
    assert body_colours[0] != body_colours[1]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_screenshots(sample_site: Flask, live_server: str, new_page: PageFactory,
                     screenshot: Screenshotter, viewport: str, scheme: str) -> None:
    page = new_page(viewport, scheme)
    for name, path in (("home", "/"), ("post", POST)):
        page.goto(live_server + path)
        assert screenshot(page, f"{name}-{viewport}-{scheme}").stat().st_size > 10_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", POST, "/tags/python", "/no/such/page",
                                  "/search?q=flask", "/about"])
def test_axe_finds_no_wcag_violation(sample_site: Flask, live_server: str,
                                     new_page: PageFactory, path: str, scheme: str) -> None:
    page = new_page("wide", scheme)
    page.goto(live_server + path)

    violations = webcheck.axe_violations(page)

    assert violations == [], webcheck.format_violations(violations)
