"""The archive page groups every public post by year and month."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.html import parse, text_of


def test_archive_groups_by_year_and_month(site: Flask, client: FlaskClient) -> None:
    page = parse(client.get("/archive/").get_data(as_text=True))

    years = page.cssselect(".archive-year")
    assert [y.get("id") for y in years] == ["y2025", "y2024"]
    assert [text_of(h) for h in years[0].cssselect(".archive-month")] == ["June", "March",
                                                                          "January"]
    assert [a.get("href") for a in years[1].cssselect(".archive-list a")] == [
        "/posts/no-toc", "/posts/xss"]
    assert "3 posts" in text_of(years[0].cssselect("h2")[0])
    assert [a.get("href") for a in page.cssselect(".archive-years a")] == ["#y2025", "#y2024"]


def test_archive_uses_the_blog_time_zone(site: Flask, client: FlaskClient) -> None:
    site.config["BLOG_TIMEZONE"] = "Pacific/Auckland"  # 1 Jan 00:00 UTC is 1 Jan 13:00 there

    page = parse(client.get("/archive/").get_data(as_text=True))

    assert "June" in text_of(page.cssselect(".archive-month")[0])


def test_empty_archive(app: Flask, client: FlaskClient) -> None:
    assert "No posts yet" in client.get("/archive/").get_data(as_text=True)
