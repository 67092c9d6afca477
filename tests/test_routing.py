"""One rule for every number a client sends: a page (``?page=``, ``?per_page=``) or a numbered
file (``/sitemaps/posts-N.xml``) runs from 1 to ``MAX_NUMBER``. Anything else, however large,
is refused before the database sees it: a 404 on the site, the API's 400 naming the parameter;
nothing is logged, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from app.routing import MAX_NUMBER, parse_number

# Too small, negative, past a 32-bit and a 64-bit integer, past anything: the values the
# database cannot hold, and those it could but no page has.
OUT_OF_RANGE = ["0", "-1", str(MAX_NUMBER + 1), str(2**31 - 1), str(2**31), str(2**63 - 1),
                str(2**63), str(10**20), str(10**40), "9" * 5000]
# Numbers in another spelling: each number has one address on the site.
MISSPELLED = ["01", "+1", "1e3", "1.0", " 1", "1_0", "\u0663", "", "abc"]

SITE_ADDRESSES = ["/sitemaps/posts-{}.xml", "/?page={}", "/tags/python?page={}",
                  "/categories/compilers?page={}", "/authors/ada-lovelace?page={}",
                  "/search?q=post&page={}"]
API_PARAMETERS = [({}, "page"), ({}, "per_page"), ({"q": "post"}, "page"),
                  ({"q": "post"}, "per_page"), ({"tag": "python"}, "page")]


@pytest.fixture
def quiet_site(site: Flask, caplog: pytest.LogCaptureFixture) -> FlaskClient:
    """The site as production runs it (a crash is a 500 page, not an exception in the test),
    with every log record captured."""
    site.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.INFO)
    return site.test_client()


def assert_nothing_logged(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]


# Each test sends every value to one address: a site fixture per value would cost minutes.
@pytest.mark.parametrize("address", SITE_ADDRESSES)
def test_the_site_answers_404_for_a_number_it_cannot_mean(
        quiet_site: FlaskClient, caplog: pytest.LogCaptureFixture, address: str) -> None:
    answers = {value: quiet_site.get(address.format(value)) for value in OUT_OF_RANGE + MISSPELLED}

    assert {value: r.status_code for value, r in answers.items() if r.status_code != 404} == {}
    assert all(b"Page not found" in r.data for r in answers.values())
    assert_nothing_logged(caplog)


@pytest.mark.parametrize(("query", "parameter"), API_PARAMETERS)
def test_the_api_answers_400_naming_the_parameter(
        quiet_site: FlaskClient, caplog: pytest.LogCaptureFixture, query: dict[str, str],
        parameter: str) -> None:
    answers = {value: quiet_site.get("/api/v1/posts", query_string={**query, parameter: value})
               for value in OUT_OF_RANGE + ["1e3", "1.0", "\u0663", "abc"]}

    assert {value: r.status_code for value, r in answers.items() if r.status_code != 400} == {}
    assert all(r.json["error"]["parameter"] == parameter for r in answers.values())
    assert_nothing_logged(caplog)


@pytest.mark.parametrize(("address", "status"), [
    ("/sitemaps/posts-1.xml", 200),
    (f"/sitemaps/posts-{MAX_NUMBER}.xml", 404),  # asked of the database: no such file
    ("/?page=1", 200),
    (f"/?page={MAX_NUMBER}", 404),
    (f"/tags/python?page={MAX_NUMBER}", 404),
    (f"/search?q=post&page={MAX_NUMBER}", 404),
    (f"/api/v1/posts?page={MAX_NUMBER}", 404),  # past the last page, said in the API's words
    (f"/api/v1/posts?q=post&page={MAX_NUMBER}&per_page=100", 404),
    ("/api/v1/posts?page=01", 200),  # the API reads numbers leniently, the site does not
])
def test_the_largest_number_reaches_the_database_safely(
        quiet_site: FlaskClient, caplog: pytest.LogCaptureFixture, address: str,
        status: int) -> None:
    assert quiet_site.get(address).status_code == status
    assert_nothing_logged(caplog)


@pytest.mark.parametrize(("text", "number"), [
    ("1", 1), ("10", 10), (str(MAX_NUMBER), MAX_NUMBER), (str(MAX_NUMBER + 1), None),
    ("0", None), ("01", None), ("-1", None), ("+1", None), ("1 ", None), ("\u0661", None),
    ("9" * 5000, None),
])
def test_parse_number(text: str, number: int | None) -> None:
    assert parse_number(text) == number


def test_numbered_addresses_are_built_with_the_converter(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("seo.sitemap_posts", number=2) == "/sitemaps/posts-2.xml"


# --- the addresses Folio's own routes own (pages may have every other) ---


def test_every_route_owns_its_first_segment_and_pages_take_the_rest(app: Flask) -> None:
    from app.pages.views import RESERVED_NAMES

    reserved = app.extensions[RESERVED_NAMES]
    firsts = {rule.rule.lstrip("/").split("/")[0] for rule in app.url_map.iter_rules()
              if rule.endpoint != "pages.detail"}
    assert {first for first in firsts if "<" not in first} - {""} <= reserved
    assert {"tags", "categories", "authors", "archive", "posts", "search", "api", "static",
            "feed.xml", "rss.xml", "feed.json", "sitemap.xml", "sitemaps", "robots.txt",
            "opensearch.xml", "healthz", "readyz"} <= reserved
    assert not {"about", "", "pages"} & reserved


def test_a_route_starting_with_a_variable_leaves_no_address_for_pages() -> None:
    from werkzeug.routing import Map, Rule

    from app.routing import CONVERTERS, reserved_names

    swallowing = Map([Rule("/<slug>/edit", endpoint="edit")], converters=CONVERTERS)
    with pytest.raises(RuntimeError, match="starts with a variable"):
        reserved_names(swallowing, besides="pages.detail")
    chosen = Map([Rule("/<any(a, 'b.xml'):name>", endpoint="x")], converters=CONVERTERS)
    assert reserved_names(chosen, besides="pages.detail") == {"a", "b.xml"}


@pytest.mark.parametrize(("path", "address"), [
    ("/about", "/about"), ("/about/", "/about/"), ("/a/b.html", "/a/b.html")])
def test_a_page_address_is_read_from_the_path(app: Flask, path: str, address: str) -> None:
    adapter = app.url_map.bind("blog.test")

    assert adapter.match(path) == ("pages.detail", {"address": address})
    with app.test_request_context():
        assert url_for("pages.detail", address="/a/b.html") == "/a/b.html"
