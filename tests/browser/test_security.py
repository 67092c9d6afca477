"""The Content-Security-Policy in a real browser: the site's pages need nothing it forbids
(no inline script or style, nothing from other hosts), so Chromium reports no violation."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page

from tests.browser.test_reading import PAGES

pytestmark = pytest.mark.browser


def test_no_page_breaks_the_content_security_policy(sample_site: Flask, live_server: str,
                                                    page: Page) -> None:
    violations: list[str] = []
    page.on("console", lambda message: _collect(message, violations))
    page.add_init_script("""
        document.addEventListener('securitypolicyviolation', event => console.error(
            'CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));
    """)
    for path in PAGES:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
    assert violations == []


def test_the_site_cannot_be_framed(sample_site: Flask, live_server: str, page: Page) -> None:
    page.set_content(f'<iframe src="{live_server}/" width="400" height="300"></iframe>')
    page.wait_for_timeout(500)
    frame = page.frames[-1]
    assert frame.url in ("", "about:blank", "chrome-error://chromewebdata/") or \
        frame.locator("h1").count() == 0


def _collect(message: ConsoleMessage, into: list[str]) -> None:
    text = message.text
    if "Content Security Policy" in text or "CSP violation" in text:
        into.append(text)
