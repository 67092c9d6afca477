"""The reading column as a new reader saw it (issue 11, point 7b), checked in a real browser at
1280 and 390 pixels, light and dark: headings, their "#" anchors, long code, a table of
contents over numbered headings, related posts, pictures at night and diagrams on a phone.
Each case keeps a screenshot (tests/.artifacts/screenshots/)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageFactory, Screenshotter
from tests.browser.pixels import luminance
from tests.conftest import ArticleWriter

pytestmark = pytest.mark.browser

POSTS = ["structuring-flask-projects", "cache-invalidation-without-tears",
         "reading-explain-plans", "zero-downtime-schema-changes",
         "a-small-rust-extension-for-a-python-hot-loop", "writing-for-readers-who-skim"]
CODE_POST = "/posts/structuring-flask-projects"
DIAGRAM_POST = "/posts/cache-invalidation-without-tears"

# The lines a heading is laid out in: its words (with their widths) grouped by the top of
# their boxes, each line's width, and the heading's, in CSS pixels.
LINES = """heading => {
    const lines = new Map();
    const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        for (const match of node.data.matchAll(/[^\\s\\u00a0]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const rect = range.getBoundingClientRect();
            const top = Math.round(rect.top);
            if (!lines.has(top)) lines.set(top, {words: [], left: rect.left, right: rect.right});
            const line = lines.get(top);
            line.words.push([match[0], rect.width]);
            line.left = Math.min(line.left, rect.left);
            line.right = Math.max(line.right, rect.right);
        }
    }
    const style = getComputedStyle(heading);
    return {width: heading.clientWidth, space: parseFloat(style.fontSize) * 0.3,
            wrap: style.textWrapStyle,
            lines: [...lines.values()].map(l => ({words: l.words, width: l.right - l.left}))};
}"""


def early_breaks(layout: dict) -> list[str]:
    """Lines broken although the next word fitted, as balancing does. The line before the
    last may be: "pretty" moves a word down so the last line is not a lone short word."""
    lines = layout["lines"]
    early = []
    for number, line in enumerate(lines[:-2]):
        word, width = lines[number + 1]["words"][0]
        if line["width"] + layout["space"] + width < layout["width"] - 1:
            early.append(f"{' '.join(w for w, _ in line['words'])} | {word}")
    return early


@pytest.mark.parametrize("size", ["1280", "390"])
def test_titles_fill_their_lines_and_never_end_one_on_a_lone_letter(
        sample_site: Flask, live_server: str, new_page: PageFactory, screenshot: Screenshotter,
        size: str) -> None:
    page = new_page(size)
    for slug in POSTS:
        page.goto(f"{live_server}/posts/{slug}")
        layout = page.locator("h1").evaluate(LINES)

        assert layout["wrap"] != "balance", slug
        assert early_breaks(layout) == [], slug
        for line in layout["lines"][:-1]:
            assert len(line["words"][-1][0]) > 1, (slug, layout)  # no "A" at a line's end
        if slug == "cache-invalidation-without-tears":
            screenshot(page, f"title-{size}-light", full_page=False)


@pytest.mark.parametrize("size", ["1280", "390"])
def test_heading_anchors_show_only_on_hover_or_focus(sample_site: Flask, live_server: str,
                                                     new_page: PageFactory,
                                                     screenshot: Screenshotter,
                                                     size: str) -> None:
    page = new_page(size)
    page.goto(live_server + CODE_POST)
    heading = page.locator(".prose h2").first
    anchor = heading.locator(".heading-anchor")
    others = page.locator(".prose .heading-anchor")

    assert others.count() > 3
    assert set(others.evaluate_all("all => all.map(a => getComputedStyle(a).opacity)")) == {"0"}
    heading.scroll_into_view_if_needed()
    screenshot(page, f"anchors-at-rest-{size}-light", full_page=False)

    anchor.focus()
    expect(anchor).to_have_css("opacity", "1")
    anchor.blur()
    expect(anchor).to_have_css("opacity", "0")
    heading.hover()
    expect(anchor).to_have_css("opacity", "1")
    expect(others.nth(1)).to_have_css("opacity", "0")
    screenshot(page, f"anchors-on-hover-{size}-light", full_page=False)


def strip(page: Page, png: bytes, side: str, width: int) -> float:
    """Luminance of a 10-pixel square just inside the left or right border of a code block,
    in its top padding (no glyphs there, only what is painted behind them)."""
    x = 1 if side == "left" else width - 11
    return luminance(page, png, (x, 2, 10, 10))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_long_code_scrolls_with_a_sign_and_keeps_its_padding(sample_site: Flask,
                                                            live_server: str,
                                                            new_page: PageFactory,
                                                            screenshot: Screenshotter,
                                                            scheme: str) -> None:
    page = new_page("390", scheme)
    page.goto(live_server + CODE_POST)
    block = page.locator(".highlight pre").first
    block.scroll_into_view_if_needed()
    sizes = block.evaluate("p => [p.scrollWidth, p.clientWidth, p.offsetWidth]")
    assert sizes[0] > sizes[1]  # the case: a line longer than a phone is wide
    same_colour = block.evaluate("p => getComputedStyle(p).backgroundColor === "
                                 "getComputedStyle(p.parentElement).backgroundColor")
    assert same_colour  # the covers are the block's own colour: no band shows when they do

    start = block.screenshot()
    screenshot(page, f"code-scroll-start-390-{scheme}", full_page=False)
    block.evaluate("p => p.scrollLeft = p.scrollWidth")
    end = block.screenshot()
    gap = block.evaluate("""p => {
        const range = document.createRange();
        range.selectNodeContents(p.querySelector('code'));
        const right = Math.max(...[...range.getClientRects()].map(r => r.right));
        return p.getBoundingClientRect().right - right;
    }""")

    # At the start a shade marks the right edge, which has code behind it; at the end the left.
    shaded_right = strip(page, start, "right", sizes[2]) - strip(page, start, "left", sizes[2])
    shaded_left = strip(page, end, "left", sizes[2]) - strip(page, end, "right", sizes[2])
    if scheme == "light":  # a dark shade on light code, a light one on dark code
        shaded_right, shaded_left = -shaded_right, -shaded_left
    assert shaded_right > 0.02 and shaded_left > 0.02, (shaded_right, shaded_left)
    assert gap >= 16  # the padding, after the last character
    screenshot(page, f"code-scroll-end-390-{scheme}", full_page=False)


NUMBERED = """Tools I run every day, in order.

## In a terminal

### 1. An editor

Text.

### 2. A mail reader

Text.

### 3. A feed reader

Text.

## In a window

""" + "".join(f"### {n}. Tool number {n}\n\nText.\n\n" for n in range(4, 11))


@pytest.fixture
def numbered(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("tools.md", NUMBERED, title="Ten Tools")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("size", ["1280", "390"])
def test_a_toc_over_numbered_headings_shows_their_numbers_once_aligned(
        numbered: Flask, live_server: str, new_page: PageFactory, screenshot: Screenshotter,
        size: str) -> None:
    page = new_page(size)
    page.goto(live_server + "/posts/tools")
    toc = page.locator(".toc")

    entries = toc.locator("ol ol li")
    assert entries.count() == 10
    assert set(entries.evaluate_all("all => all.map(li => getComputedStyle(li)"
                                    ".listStyleType)")) == {"none"}  # no "a." before "1."
    numbers = toc.locator(".toc__number").all_inner_texts()
    assert numbers == [f"{n}." for n in range(1, 11)]
    edges = toc.locator(".toc__number").evaluate_all("""all => all.map(number => {
        const range = document.createRange();
        range.setStartAfter(number);
        range.setEndAfter(number.parentElement.lastChild);
        return [Math.round(number.getBoundingClientRect().right),
                Math.round(range.getBoundingClientRect().left)];
    })""")
    assert len({right for right, _ in edges}) == 1  # "9." and "10." end on one line
    assert len({left for _, left in edges}) == 1  # and every title starts on one
    assert toc.locator("ol").first.evaluate("ol => getComputedStyle(ol.firstElementChild)"
                                            ".listStyleType") == "decimal"  # unnumbered: ours
    screenshot(toc, f"toc-numbered-{size}-light")


def test_related_posts_never_repeat_the_previous_and_next(sample_site: Flask,
                                                          live_server: str,
                                                          new_page: PageFactory,
                                                          screenshot: Screenshotter) -> None:
    page = new_page("1280")
    shown = 0
    for slug in POSTS:
        page.goto(f"{live_server}/posts/{slug}")
        neighbours = set(page.locator(".post-nav a").evaluate_all(
            "all => all.map(a => a.getAttribute('href'))"))
        related = page.locator(".related a").evaluate_all(
            "all => all.map(a => a.getAttribute('href'))")
        assert not neighbours & set(related), slug
        shown += len(related)
        if slug == "reading-explain-plans":
            page.locator(".post-nav").scroll_into_view_if_needed()
            screenshot(page, "related-1280-light", full_page=False)
    assert shown  # related posts are still shown


@pytest.mark.parametrize("size", ["1280", "390"])
def test_light_pictures_do_not_glare_at_night(sample_site: Flask, live_server: str,
                                              new_page: PageFactory, screenshot: Screenshotter,
                                              size: str) -> None:
    light, dark = new_page(size, "light"), new_page(size, "dark")
    for page in (light, dark):
        page.goto(live_server + DIAGRAM_POST)
        page.locator(".prose img").first.scroll_into_view_if_needed()
        page.wait_for_load_state("load")

    for selector in (".post__hero img", ".prose img"):
        by_day = luminance(light, light.locator(selector).first.screenshot())
        by_night = luminance(dark, dark.locator(selector).first.screenshot())
        assert by_day > 0.6, selector  # the case: a light picture
        assert by_night < 0.3, (selector, by_night)
    assert "brightness(0.8)" in dark.locator(".prose img").first.evaluate(
        "img => getComputedStyle(img).filter")
    screenshot(dark, f"pictures-{size}-dark", full_page=False)


def test_a_diagram_opens_at_full_size_on_a_phone(sample_site: Flask, live_server: str,
                                                 new_page: PageFactory,
                                                 screenshot: Screenshotter) -> None:
    page = new_page("390")
    page.goto(live_server + DIAGRAM_POST)
    diagram = page.locator(".prose img[src$='cache-hierarchy.svg']")
    link = page.locator(".prose a.image-link", has=page.locator("img[src$='hierarchy.svg']"))
    diagram.scroll_into_view_if_needed()

    shown = diagram.evaluate("img => img.getBoundingClientRect().width / img.naturalWidth")
    assert 20 * shown < 9  # the case: its 20-pixel labels about 5 pixels high on the page
    expect(link).to_have_attribute("href", "/static/images/cache-hierarchy.svg")
    screenshot(page, "diagram-390-light", full_page=False)

    link.focus()
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/static/images/cache-hierarchy.svg")

    label = page.locator("text", has_text="source of truth")
    assert label.evaluate("text => text.getBoundingClientRect().height") >= 18
    screenshot(page, "diagram-full-size-390-light", full_page=False)
