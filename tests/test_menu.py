"""The site menu (issue 11, point 7): Folio's default entries or the MENU setting, joined by
the pages that ask for it, in weight order; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.html import parse, text_of
from tests.pages.test_views import import_ok, write_page

DEFAULT = [("Home", "/"), ("Archive", "/archive/"), ("Tags", "/tags/"),
           ("Categories", "/categories/"), ("Authors", "/authors/")]


def menu_of(client: FlaskClient, path: str = "/") -> list[tuple[str, str]]:
    page = parse(client.get(path).get_data(as_text=True))
    return [(text_of(a), a.get("href")) for a in page.cssselect("nav.site-nav a")]


def current_of(client: FlaskClient, path: str) -> list[str]:
    page = parse(client.get(path).get_data(as_text=True))
    return [text_of(a) for a in page.cssselect("nav.site-nav a[aria-current=page]")]


def menu_page(content_dir: Path, name: str, title: str, extra: str = "") -> None:
    write_page(content_dir, f"pages/{name}.md",
               f"---\ntitle: {title}\nmenu: main\n{extra}---\n\nText.\n")


def test_the_default_menu_is_todays(site: Flask, client: FlaskClient) -> None:
    assert menu_of(client) == DEFAULT
    assert current_of(client, "/") == ["Home"]
    assert current_of(client, "/archive/") == ["Archive"]
    assert current_of(client, "/posts/newer") == []


def test_pages_join_by_weight_and_those_without_come_last(
        site: Flask, client: FlaskClient, runner: FlaskCliRunner, content_dir: Path) -> None:
    menu_page(content_dir, "about", "About", "weight: 25\n")
    menu_page(content_dir, "now", "Now")
    menu_page(content_dir, "contact", "Contact")
    menu_page(content_dir, "first", "First", "weight: -1\n")
    menu_page(content_dir, "hidden", "Hidden", "draft: true\n")
    write_page(content_dir, "pages/colophon.md", "---\ntitle: Colophon\n---\n\nNot in menus.\n")
    import_ok(runner)

    assert menu_of(client) == [("First", "/first"), *DEFAULT[:2], ("About", "/about"),
                               *DEFAULT[2:], ("Contact", "/contact"), ("Now", "/now")]
    assert current_of(client, "/about") == ["About"]


def test_the_menu_setting_replaces_the_default(site: Flask, client: FlaskClient,
                                               runner: FlaskCliRunner,
                                               content_dir: Path) -> None:
    site.config["MENU"] = [{"label": "Writing", "url": "/"},
                           {"label": "Code", "url": "https://git.example/me"},
                           {"label": "Feed", "url": "/feed.xml", "weight": 1}]
    menu_page(content_dir, "about", "About", "weight: 15\n")
    import_ok(runner)

    assert menu_of(client) == [("Feed", "/feed.xml"), ("Writing", "/"), ("About", "/about"),
                               ("Code", "https://git.example/me")]
    site.config["MENU"] = []
    assert menu_of(client, "/tags/") == [("About", "/about")]  # an empty MENU: pages alone


def test_a_menu_page_edit_shows_after_the_import(site: Flask, client: FlaskClient,
                                                 runner: FlaskCliRunner,
                                                 content_dir: Path) -> None:
    menu_page(content_dir, "about", "About")
    import_ok(runner)
    assert ("About", "/about") in menu_of(client, "/tags/")

    menu_page(content_dir, "about", "Who we are", "url: /who\n")
    import_ok(runner)

    assert menu_of(client, "/tags/")[-1] == ("Who we are", "/who")


def test_site_paths_follow_the_prefix_a_proxy_mounts_the_site_at(
        site: Flask, runner: FlaskCliRunner, content_dir: Path) -> None:
    menu_page(content_dir, "about", "About")
    import_ok(runner)

    page = site.test_client().get("/blog/", base_url="http://blog.test/blog")

    hrefs = [a.get("href") for a in parse(page.get_data(as_text=True)).cssselect(".site-nav a")]
    assert hrefs == ["/blog/", "/blog/archive/", "/blog/tags/", "/blog/categories/",
                     "/blog/authors/", "/blog/about"]


def test_the_menu_is_part_of_the_cache_key(site: Flask, client: FlaskClient) -> None:
    before = client.get("/tags/")
    site.config["MENU"] = [{"label": "Only", "url": "/"}]

    after = client.get("/tags/")

    assert after.headers["ETag"] != before.headers["ETag"]
    assert menu_of(client, "/tags/") == [("Only", "/")]


@pytest.mark.parametrize("path", ["/", "/posts/newer", "/tags/", "/no/such/page"])
def test_the_menu_folds_behind_a_disclosure_for_narrow_screens(site: Flask, client: FlaskClient,
                                                               path: str) -> None:
    page = parse(client.get(path).get_data(as_text=True))

    [toggle] = page.cssselect("header details.site-menu > summary")
    assert text_of(toggle) == "Menu"
    assert page.cssselect("header details.site-menu + nav.site-nav")


def test_the_home_page_shows_the_site_name_once(site: Flask, client: FlaskClient) -> None:
    site.config["POSTS_PER_PAGE"] = 2
    front = parse(client.get("/").get_data(as_text=True))
    second = parse(client.get("/?page=2").get_data(as_text=True))

    assert [text_of(h) for h in front.cssselect("h1")] == ["Folio"]
    assert front.cssselect("header.site-header h1 a.site-title")
    assert "Folio" not in text_of(front.cssselect("main")[0])
    assert [text_of(h) for h in second.cssselect("h1")] == ["Older posts page 2"]
    assert not second.cssselect("header.site-header h1")
