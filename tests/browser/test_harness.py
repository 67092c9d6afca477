"""The browser and validator harness works: Chromium reads the live site, axe-core runs in it,
the Nu HTML Checker and the sitemaps.org schema give their verdicts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Page, expect

from tests import webcheck
from tests.browser.conftest import PageFactory, Screenshotter
from tests.conftest import ArticleWriter

VALID_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://blog.test/</loc><lastmod>2025-06-01</lastmod></url>
  <url><loc>http://blog.test/posts/newer</loc><lastmod>2025-06-01T10:00:00+00:00</lastmod></url>
</urlset>
"""
SITEMAP_WITHOUT_LOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><lastmod>yesterday</lastmod></url>
</urlset>
"""


@pytest.fixture
def site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("older.md", date="2025-01-01", title="The Older Post")
    write_article("newer.md", "Opening paragraph.\n\n## Code\n\n```python\nx = 1\n```\n",
                  date="2025-06-01", title="The Newer Post", tags="Python, Tools")
    result = runner.invoke(args=["import-posts"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.browser
def test_reader_goes_from_home_to_a_post(site: Flask, live_server: str, page: Page,
                                         screenshot: Screenshotter) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="The Newer Post").first.click()

    expect(page).to_have_url(live_server + "/posts/newer")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Newer Post")
    assert screenshot(page, "harness-post-wide-light").stat().st_size > 0


@pytest.mark.browser
def test_viewport_and_colour_scheme_reach_the_page(site: Flask, live_server: str,
                                                    new_page: PageFactory) -> None:
    page = new_page("phone", "dark")
    page.goto(live_server + "/")

    assert page.evaluate("innerWidth") == 360
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")


@pytest.mark.browser
def test_axe_runs_on_the_home_page(site: Flask, live_server: str, page: Page) -> None:
    page.goto(live_server + "/")

    violations = webcheck.axe_violations(page)

    # The design is not final: this proves axe ran; page tests assert there are none.
    assert isinstance(violations, list)
    assert all(violation["id"] and violation["nodes"] for violation in violations)
    assert isinstance(webcheck.format_violations(violations), str)


@pytest.mark.browser
def test_axe_reports_a_violation_it_is_shown(new_page: PageFactory) -> None:
    page = new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><img src="x.png">')

    violations = webcheck.axe_violations(page)

    assert "image-alt" in {violation["id"] for violation in violations}
    assert "img" in webcheck.format_violations(violations)


@pytest.mark.validator
def test_vnu_checks_many_documents_in_one_run(site: Flask, client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    broken = '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><p><img src=x>'

    errors = webcheck.vnu_errors({"/": home, "broken": broken})

    assert set(errors) == {"/", "broken"}
    assert isinstance(errors["/"], list)
    assert any("title" in error for error in errors["broken"]), errors["broken"]
    assert any("alt" in error and error.startswith("line 1,") for error in errors["broken"])


@pytest.mark.validator
def test_sitemap_schema_accepts_a_valid_sitemap() -> None:
    assert webcheck.sitemap_schema_errors(VALID_SITEMAP) == []


@pytest.mark.validator
@pytest.mark.parametrize("xml", [SITEMAP_WITHOUT_LOC, b"<urlset><url>", b"<rss/>"],
                         ids=["without-loc", "malformed", "wrong-root"])
def test_sitemap_schema_rejects_an_invalid_sitemap(xml: bytes) -> None:
    assert webcheck.sitemap_schema_errors(xml)
