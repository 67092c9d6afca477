"""Fixtures for tests in a real browser: Debian's Chromium driven by Playwright, and the test app
(on SQLite and PostgreSQL, as everywhere) served over HTTP from a background thread.

Playwright never downloads a browser here: it launches the one at ``/usr/bin/chromium``
(``FOLIO_CHROMIUM`` to use another), each launch in a fresh temporary profile.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import REPO

VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "wide": {"width": 1366, "height": 900},
    # The screens of the new reader whose screenshots issue 11 (7b) answers.
    "390": {"width": 390, "height": 844},
    "1280": {"width": 1280, "height": 800},
}
SCREENSHOTS = Path(__file__).resolve().parent.parent / ".artifacts" / "screenshots"

ColorScheme = Literal["light", "dark"]
PageFactory = Callable[..., Page]
Screenshotter = Callable[..., Path]


@pytest.fixture
def sample_site(app: Flask, runner: FlaskCliRunner) -> Flask:
    """The repository's own sample content, so that screenshots show what a new user sees."""
    result = runner.invoke(args=["import-posts", str(REPO / "content")])
    assert result.exit_code == 0, result.output
    return app


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request would only bury the report of a failing test."""


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free port of 127.0.0.1; yields its base URL, no trailing slash."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    # A short poll interval lets shutdown() return at once instead of after half a second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """Open a page in a fresh context: ``new_page("phone", "dark")``; a viewport is a name in
    VIEWPORTS or a ``{"width": ..., "height": ...}`` dict. Contexts close after the test."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: str | ViewportSize = "wide",
                  color_scheme: ColorScheme = "light") -> Page:
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        context = browser.new_context(viewport=size, color_scheme=color_scheme)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    """A wide page in the light scheme."""
    return new_page()


@pytest.fixture
def screenshot() -> Screenshotter:
    """Save a PNG of the whole page (or of one element, given a Locator) as
    ``tests/.artifacts/screenshots/<name>.png``."""

    def save(page: Page | Locator, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        if isinstance(page, Locator):
            page.screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=full_page)
        return path

    return save
