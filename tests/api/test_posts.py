"""The posts API: the list with its filters, search and pagination, and one post in full."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import SCRIPT_TITLE, ArticleWriter

PUBLIC = ["newer", "middle", "older", "no-toc", "xss"]  # newest first
HIDDEN = ("A Draft", "Scheduled", "secret", "Secret Stuff", "Hidden", "Shadow Writer", "Future",
          "Time Traveller", "later")


def slugs(client: FlaskClient, query: dict[str, Any] | str = "") -> list[str]:
    response = client.get("/api/v1/posts", query_string=query)
    assert response.status_code == 200, response.json
    return [item["slug"] for item in response.json["items"]]


def error_of(client: FlaskClient, url: str, query: dict[str, Any] | None = None) -> Any:
    response = client.get(url, query_string=query)
    return response.status_code, response.json["error"]


def test_lists_published_posts_newest_first(site: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/posts")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert [item["slug"] for item in body["items"]] == PUBLIC
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (5, 1, 10, 1)


def test_a_listed_post_carries_its_metadata_but_not_its_body(site: Flask,
                                                             client: FlaskClient) -> None:
    newer = client.get("/api/v1/posts").json["items"][0]

    assert newer == {
        "title": "The Newer Post",
        "slug": "newer",
        "url": "http://blog.test/posts/newer",
        "author": {"name": "Grace Hopper", "slug": "grace-hopper",
                   "url": "http://blog.test/authors/grace-hopper"},
        "category": {"name": "Compilers", "slug": "compilers",
                     "url": "http://blog.test/categories/compilers"},
        "tags": [{"name": "Python", "slug": "python", "url": "http://blog.test/tags/python"},
                 {"name": "Tools", "slug": "tools", "url": "http://blog.test/tags/tools"}],
        "published_at": "2025-06-01T00:00:00+00:00",
        "updated_at": "2025-07-01T00:00:00+00:00",
        "reading_minutes": 4,
        "image": "http://blog.test/static/images/flask-layers.svg",
        "image_alt": "Layers of a Flask app",
        "excerpt": "What the newer post is about.",
    }


def test_a_post_without_category_image_or_update_has_nulls(site: Flask,
                                                           client: FlaskClient) -> None:
    no_toc = client.get("/api/v1/posts/no-toc").json

    assert no_toc["category"] is None and no_toc["updated_at"] is None
    assert no_toc["image"] is None and no_toc["image_alt"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ({"tag": "python"}, ["newer", "older", "no-toc"]),
    ({"category": "compilers"}, ["newer", "middle"]),
    ({"author": "ada-lovelace"}, ["middle", "older", "no-toc"]),
    ({"tag": "design", "author": "ada-lovelace"}, ["middle", "older"]),
    ({"tag": "python", "category": "engines"}, ["older"]),
    ({"tag": "tools", "category": "engines"}, []),
])
def test_filters_by_tag_category_and_author(site: Flask, client: FlaskClient,
                                            query: dict[str, str], expected: list[str]) -> None:
    assert slugs(client, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ({"published_after": "2025-03-01"}, ["newer", "middle"]),  # at or after
    ({"published_before": "2025-03-01"}, ["older", "no-toc", "xss"]),  # strictly before
    ({"published_after": "2025-01-01", "published_before": "2025-06-01"}, ["middle", "older"]),
    ({"published_after": "2025-02-28T23:00:00-01:00"}, ["newer", "middle"]),
    ({"published_after": "2025-03-01T00:00:01Z"}, ["newer"]),
    ({"published_after": "2025-03-01T00:00:01"}, ["newer"]),  # naive is UTC
    ({"published_after": "2025-03-01t01:00:00+01:00"}, ["newer", "middle"]),
    ({"published_after": "2025-03-01 00:00:00.5+00:00"}, ["newer"]),
    ({"published_after": "2026-01-01", "published_before": "2025-01-01"}, []),
    ({"published_after": "0001-01-01T00:00:00+01:00"}, PUBLIC),  # before time began: no bound
    ({"published_before": "9999-12-31T23:59:59-01:00"}, PUBLIC),
])
def test_filters_by_publication_time(site: Flask, client: FlaskClient,
                                     query: dict[str, str], expected: list[str]) -> None:
    assert slugs(client, query) == expected


def test_dates_never_reveal_scheduled_posts(site: Flask, client: FlaskClient) -> None:
    assert slugs(client, {"published_after": "2026-01-01"}) == []
    assert slugs(client, {"published_after": "2025-06-02",
                          "published_before": "9999-01-01"}) == []


@pytest.mark.parametrize("parameter", ["tag", "category", "author"])
@pytest.mark.parametrize("slug", ["nope", "hidden", "secret-stuff", "shadow-writer", "future",
                                  "time-traveller"])
def test_a_filter_naming_nothing_public_is_404_naming_the_parameter(
        site: Flask, client: FlaskClient, parameter: str, slug: str) -> None:
    status, error = error_of(client, "/api/v1/posts", {parameter: slug})

    assert status == 404
    assert error["parameter"] == parameter and error["code"] == "not_found"
    assert slug in error["message"]


@pytest.mark.parametrize(("query", "parameter"), [
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page": "1.5"}, "page"),
    ({"page": " 2"}, "page"),
    ({"page": "1_0"}, "page"),
    ({"page": ""}, "page"),
    ({"page": "9" * 40}, "page"),
    ({"per_page": "0"}, "per_page"),
    ({"per_page": "101"}, "per_page"),
    ({"per_page": "1000"}, "per_page"),
    ({"published_after": "yesterday"}, "published_after"),
    ({"published_after": "2025-02-30"}, "published_after"),
    ({"published_before": "2025-01-01T24:00:00"}, "published_before"),
    ({"published_before": "20250101"}, "published_before"),
    ({"tag": "Python"}, "tag"),
    ({"tag": ""}, "tag"),
    ({"category": "a/b"}, "category"),
    ({"author": "x\x00y"}, "author"),
    ({"q": ""}, "q"),
    ({"q": "python", "author": "ada-lovelace"}, "author"),
    ({"q": "python", "published_after": "2025-01-01"}, "published_after"),
    ({"q": "python", "published_before": "2025-01-01"}, "published_before"),
])
def test_bad_parameters_are_400_naming_the_parameter(site: Flask, client: FlaskClient,
                                                     query: dict[str, str],
                                                     parameter: str) -> None:
    status, error = error_of(client, "/api/v1/posts", query)

    assert status == 400
    assert error["parameter"] == parameter and error["code"] == "bad_request"
    assert parameter in error["message"]


def test_several_bad_parameters_are_all_told(site: Flask, client: FlaskClient) -> None:
    status, error = error_of(client, "/api/v1/posts", {"page": "abc", "per_page": "1000"})

    assert status == 400 and error["parameter"] == "page"
    assert "page: Not a valid integer." in error["message"]
    assert "per_page: Must be greater than or equal to 1" in error["message"]


def test_unknown_parameters_are_ignored(site: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/posts?per_page=2&sort=title&utm_source=x")

    assert response.status_code == 200
    assert response.json["links"]["next"] == "http://blog.test/api/v1/posts?per_page=2&page=2"


def test_pages_link_to_each_other_on_the_site_url(site: Flask, client: FlaskClient) -> None:
    first = client.get("/api/v1/posts?per_page=2&tag=python").json
    second = client.get("/api/v1/posts?per_page=2&tag=python&page=2").json

    base = "http://blog.test/api/v1/posts?tag=python&per_page=2"  # in the document's order
    assert [item["slug"] for item in first["items"]] == ["newer", "older"]
    assert [item["slug"] for item in second["items"]] == ["no-toc"]
    assert (first["total"], first["pages"], second["page"]) == (3, 2, 2)
    assert first["links"] == {"self": base, "first": base, "prev": None,
                              "next": base + "&page=2", "last": base + "&page=2"}
    assert second["links"] == {"self": base + "&page=2", "first": base, "prev": base,
                               "next": None, "last": base + "&page=2"}


def test_pages_carry_a_link_header(site: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/posts?per_page=2&page=2")

    base = "http://blog.test/api/v1/posts?per_page=2"
    assert response.headers["Link"] == (
        f'<{base}&page=2>; rel="self", <{base}>; rel="first", <{base}>; rel="prev", '
        f'<{base}&page=3>; rel="next", <{base}&page=3>; rel="last"')


def test_a_page_past_the_last_is_404(site: Flask, client: FlaskClient) -> None:
    assert client.get("/api/v1/posts?per_page=2&page=3").status_code == 200
    status, error = error_of(client, "/api/v1/posts", {"per_page": "2", "page": "4"})

    assert status == 404 and error["parameter"] == "page"
    assert error["message"] == "Page 4 is past the last page (3)."


def test_an_empty_blog_has_one_empty_page(app: Flask, client: FlaskClient) -> None:
    body = client.get("/api/v1/posts").json

    assert (body["items"], body["total"], body["pages"]) == ([], 0, 1)
    assert body["links"]["last"] == "http://blog.test/api/v1/posts"
    assert client.get("/api/v1/posts?page=2").status_code == 404


def test_largest_page_size(app: Flask, client: FlaskClient, runner: FlaskCliRunner,
                           write_article: ArticleWriter) -> None:
    for n in range(101):
        write_article(f"p{n}.md", date=f"2020-01-01 00:{n // 60:02d}:{n % 60:02d}")
    runner.invoke(args=["import-posts"])

    body = client.get("/api/v1/posts?per_page=100").json

    assert (len(body["items"]), body["total"], body["pages"]) == (100, 101, 2)
    assert slugs(client, {"per_page": "100", "page": "2"}) == ["p0"]


def test_search_answers_most_relevant_first_with_snippets(site: Flask,
                                                          client: FlaskClient) -> None:
    body = client.get("/api/v1/posts?q=post").json

    # Title matches first; the draft and the scheduled post never.
    assert [item["slug"] for item in body["items"]] == ["middle", "older", "newer"]
    snippets = {item["slug"]: item["snippet"] for item in body["items"]}
    assert "<mark>post</mark>" in snippets["newer"].lower()  # each engine picks its passage
    assert body["total"] == 3
    assert body["links"]["self"] == "http://blog.test/api/v1/posts?q=post"


def test_search_narrows_by_tag_and_category(site: Flask, client: FlaskClient) -> None:
    assert slugs(client, {"q": "post", "tag": "design"}) == ["middle", "older"]
    assert slugs(client, {"q": "post", "category": "engines"}) == ["older"]
    status, error = error_of(client, "/api/v1/posts", {"q": "post", "tag": "hidden"})
    assert status == 404 and error["parameter"] == "tag"


def test_search_paginates(site: Flask, client: FlaskClient) -> None:
    second = client.get("/api/v1/posts?q=post&per_page=2&page=2").json

    assert [item["slug"] for item in second["items"]] == ["newer"]
    assert second["links"]["prev"] == "http://blog.test/api/v1/posts?q=post&per_page=2"
    assert client.get("/api/v1/posts?q=post&per_page=2&page=3").status_code == 404


def test_only_search_results_carry_snippets(site: Flask, client: FlaskClient) -> None:
    assert all("snippet" not in item for item in client.get("/api/v1/posts").json["items"])


@pytest.mark.parametrize("query", ['"', "' OR 1=1 --", "NEAR(a b)", "*", "AND OR NOT",
                                   "<script>alert(1)</script>", "\x00", "🙂", "שלום",
                                   "x" * 5000, "a:b", "title:post"])
def test_any_search_is_safe(site: Flask, client: FlaskClient, query: str) -> None:
    response = client.get("/api/v1/posts", query_string={"q": query})

    assert response.status_code == 200
    assert all(slug in PUBLIC for slug in slugs(client, {"q": query}))


def test_one_post_in_full(site: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/posts/newer")

    assert response.status_code == 200 and response.mimetype == "application/json"
    post = response.json
    listed = client.get("/api/v1/posts").json["items"][0]
    assert {key: post[key] for key in listed} == listed
    assert set(post) == set(listed) | {"html", "source", "toc"}
    assert post["source"].startswith("---\ndate: 2025-06-01\n")
    assert "## Setup" in post["source"]
    assert post["toc"] == [
        {"id": "setup", "name": "Setup", "level": 2, "children": []},
        {"id": "code", "name": "Code", "level": 2, "children": [
            {"id": "details", "name": "Details", "level": 3, "children": []}]},
    ]


def test_post_html_links_are_absolute(site: Flask, client: FlaskClient) -> None:
    html = client.get("/api/v1/posts/newer").json["html"]

    # data-article: the link was resolved at import to another article (app.content.links)
    assert ('<a href="http://blog.test/posts/older" data-article>link to the older post</a>'
            in html)
    assert re.search(r'src="http://blog\.test/media/[0-9a-f]{32}/diagram\.svg"', html)
    assert 'href="http://blog.test/posts/newer#fn:1"' in html
    assert '<span class="k">def</span>' in html  # highlighted code


def test_a_post_with_its_contents_turned_off_has_an_empty_toc(site: Flask,
                                                               client: FlaskClient) -> None:
    assert client.get("/api/v1/posts/no-toc").json["toc"] == []


@pytest.mark.parametrize("slug", ["nope", "secret", "later", "x" * 201])
def test_unknown_draft_and_scheduled_posts_are_404(site: Flask, client: FlaskClient,
                                                   slug: str) -> None:
    status, error = error_of(client, f"/api/v1/posts/{slug}")

    assert status == 404 and error["code"] == "not_found"
    assert "parameter" not in error


@pytest.mark.parametrize("slug", ["Newer", "new_er", "-newer", "a.b", "%00", "%C3%A9t%C3%A9"])
def test_a_malformed_slug_is_404(site: Flask, client: FlaskClient, slug: str) -> None:
    assert error_of(client, f"/api/v1/posts/{slug}")[0] == 404


def test_old_slugs_and_aliases_move_to_the_new_api_address(
        app: Flask, client: FlaskClient, write_article: ArticleWriter,
        runner: FlaskCliRunner) -> None:
    post = write_article("post.md", aliases="/blog/2019/first-name.html")
    runner.invoke(args=["import-posts"])
    post.write_text(post.read_text().replace("title: Post", "title: Post\nslug: new-name"))
    runner.invoke(args=["import-posts"])

    for old in ("first-name", "post"):
        response = client.get(f"/api/v1/posts/{old}")
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/api/v1/posts/new-name"
        assert response.data == b""
    assert client.get("/api/v1/posts/new-name").json["slug"] == "new-name"


def test_the_alias_of_a_draft_is_not_revealed(app: Flask, client: FlaskClient,
                                              write_article: ArticleWriter,
                                              runner: FlaskCliRunner) -> None:
    write_article("post.md", aliases="old-name", draft="true")
    runner.invoke(args=["import-posts"])

    assert client.get("/api/v1/posts/old-name").status_code == 404


def test_a_pruned_post_is_gone(app: Flask, client: FlaskClient, write_article: ArticleWriter,
                               runner: FlaskCliRunner) -> None:
    doomed = write_article("doomed.md", aliases="earlier")
    write_article("stays.md")
    runner.invoke(args=["import-posts"])
    doomed.unlink()
    runner.invoke(args=["import-posts", "--prune"])

    for slug in ("doomed", "earlier"):
        status, error = error_of(client, f"/api/v1/posts/{slug}")
        assert status == 410, slug
        assert error == {"status": 410, "code": "gone",
                         "message": f"The post {slug!r} was removed and will not come back."}


def test_drafts_and_scheduled_posts_appear_nowhere(site: Flask, client: FlaskClient) -> None:
    urls = ["/api/v1/posts?per_page=100", "/api/v1/posts?q=python", "/api/v1/posts?q=hidden",
            "/api/v1/posts?q=scheduled", "/api/v1/tags", "/api/v1/categories",
            "/api/v1/authors", "/api/v1/posts?published_after=2026-01-01"]
    urls += [f"/api/v1/posts/{slug}" for slug in PUBLIC]
    urls += [f"/posts/{slug}.json" for slug in PUBLIC]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        for hidden in HIDDEN:
            assert hidden not in body, (url, hidden)


def test_hostile_values_are_plain_json_strings(site: Flask, client: FlaskClient) -> None:
    post = client.get("/api/v1/posts/xss").json

    assert post["title"] == SCRIPT_TITLE
    assert post["author"]["name"] == "<b>Mallory</b>"
    assert post["category"]["name"] == "<em>Cat</em>"
    assert post["tags"][0]["name"] == "<i>t</i>"
    assert post["excerpt"] == "</script><script>alert(4)</script>"
    assert post["image"] == ("http://blog.test/static/images/flask-layers.svg?a=%22%3E%3Cscript"
                             "%3Ealert(3)%3C/script%3E")
    assert "<script>alert(2)</script>" in post["source"]  # the source as written
    assert "alert(2)" not in post["html"]  # the rendered body is sanitised


def test_equations_reach_the_api_as_mathml(app: Flask, client: FlaskClient,
                                           write_article: ArticleWriter,
                                           runner: FlaskCliRunner) -> None:
    write_article("maths.md", "Pay $5, or $\\sqrt{x}$.\n\n## Why $O(n)$\n")
    runner.invoke(args=["import-posts"])

    post = client.get("/api/v1/posts/maths").json

    assert post["html"].startswith("<p>Pay $5, or <math")
    assert "<msqrt><mrow><mi>x</mi></mrow></msqrt>" in post["html"]
    assert [entry["name"] for entry in post["toc"]] == ["Why O(n)"]
    assert post["source"].endswith("Pay $5, or $\\sqrt{x}$.\n\n## Why $O(n)$\n")
    listed = client.get("/api/v1/posts").json["items"][0]
    assert listed["excerpt"] == "Pay $5, or \\sqrt{x}."
