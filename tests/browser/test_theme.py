"""A site's own template and stylesheet (issue 11, point 8) in a real browser: both apply, and
the Content-Security-Policy has nothing to object to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Screenshotter
from tests.conftest import ArticleWriter, release_database
from tests.test_theme import instance, make_app

pytestmark = pytest.mark.browser
__all__ = ["instance"]


@pytest.fixture
def app(database_url: str, instance: Path, content_dir: Path,
        write_article: ArticleWriter) -> Iterator[Flask]:
    """The app the live server serves: with the instance folder's template and stylesheet."""
    themed = make_app(database_url, instance, content_dir)
    write_article("post.md", "Some text.\n", title="A Themed Post")
    result = themed.test_cli_runner().invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    yield themed
    release_database(themed)


def test_the_sites_template_and_stylesheet_apply(app: Flask, live_server: str, page: Page,
                                                 screenshot: Screenshotter) -> None:
    refused: list[str] = []
    page.on("console", lambda message: _collect(message, refused))

    page.goto(live_server + "/posts/post")

    expect(page.locator(".theme-note")).to_have_text("Read slowly.")
    expect(page.locator(".post__title")).to_have_css("color", "rgb(1, 2, 3)")
    expect(page.locator(".site-nav")).to_be_visible()  # Folio's own stylesheet still applies
    assert refused == []
    screenshot(page, "theme-1280-light", full_page=False)


def _collect(message: ConsoleMessage, into: list[str]) -> None:
    if "Content Security Policy" in message.text or message.type == "error":
        into.append(message.text)
