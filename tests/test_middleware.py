"""Every response, however it was made (a view, a cache hit in front of Flask, a static file,
an error, the API), carries the security headers and its request id; HSTS only over HTTPS."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.conftest import ArticleWriter

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options")
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def site(app: Flask, runner: FlaskCliRunner, write_article: ArticleWriter) -> Flask:
    write_article("first.md", title="First Post", tags="Python")
    assert runner.invoke(args=["import-posts"]).exit_code == 0
    return app


@pytest.mark.parametrize("path", ["/", "/posts/first", "/static/css/site.css", "/no/such/page",
                                  "/api/v1/posts", "/feed.xml", "/healthz"])
def test_every_kind_of_response_carries_the_security_headers(site: Flask, path: str) -> None:
    client = site.test_client()
    for _ in range(2):  # the second may be a hit answered in front of Flask
        with client.get(path) as response:
            response.get_data()
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_a_hit_answered_in_front_of_flask_has_them_too(site: Flask) -> None:
    client = site.test_client()
    client.get("/")
    hit = client.get("/")
    assert hit.headers["X-Cache"] == "hit"
    assert all(name in hit.headers for name in SECURITY_HEADERS)


def test_hsts_only_over_https(site: Flask) -> None:
    client = site.test_client()
    secure = client.get("/", base_url="https://blog.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    # Without PROXY_FIX a client cannot claim HTTPS through a header.
    claimed = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers


def test_behind_a_proxy_the_forwarded_scheme_and_address_count(database_url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "PROXY_FIX": 1, "HSTS_SECONDS": 300, "CACHE_DISABLED": True})
    seen: dict[str, str] = {}

    @app.get("/_probe")
    def probe() -> str:
        from flask import request

        seen.update(scheme=request.scheme, remote=str(request.remote_addr), host=request.host)
        return "ok"

    response = app.test_client().get("/_probe", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Host": "blog.example.com"})
    assert seen == {"scheme": "https", "remote": "203.0.113.9", "host": "blog.example.com"}
    assert response.headers["Strict-Transport-Security"] == "max-age=300; includeSubDomains"


def test_hsts_can_be_turned_off(database_url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "HSTS_SECONDS": 0})
    response = app.test_client().get("/healthz", base_url="https://blog.test")
    assert "Strict-Transport-Security" not in response.headers


def test_a_request_id_is_echoed_or_made_up(site: Flask) -> None:
    client = site.test_client()
    given_id = client.get("/", headers={"X-Request-ID": "lb-7f3a.91:x"})
    assert given_id.headers["X-Request-ID"] == "lb-7f3a.91:x"
    made = [client.get(path).headers["X-Request-ID"] for path in ("/", "/", "/posts/first")]
    assert all(GENERATED_ID.fullmatch(value) for value in made)
    assert len(set(made)) == 3  # one per request, hits included


@pytest.mark.parametrize("unfit", ["has space", "x" * 129, "quote\"d", "tab\there", "ünï",
                                   "<script>"])
def test_an_unfit_request_id_is_replaced(site: Flask, unfit: str) -> None:
    response = site.test_client().get("/healthz", headers={"X-Request-ID": unfit})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "PROPFIND", "BREW"])
@pytest.mark.parametrize("path", ["/", "/posts/first", "/api/v1/posts", "/search"])
def test_unknown_methods_get_405_with_allow(site: Flask, method: str, path: str) -> None:
    response = site.test_client().open(path, method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


ROUTES = ["/", "/posts/first", "/tags/python", "/search", "/api/v1/posts", "/archive/",
          "/feed.xml", "/sitemap.xml", "/api/v1/tags", "/search/feed.xml"]
query_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                     max_size=300)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES),
       params=st.lists(st.tuples(st.sampled_from(["page", "q", "tag", "category", "per_page",
                                                  "since", "until", "author", "x", ""]),
                                 query_text), max_size=5))
def test_odd_query_strings_get_4xx_never_500(site: Flask, route: str,
                                             params: list[tuple[str, str]]) -> None:
    response = site.test_client().get(route, query_string=params)
    assert response.status_code < 500, (route, params)


@pytest.mark.parametrize("url", [
    "/?page=99999999999999999999999999", "/?page=-1", "/?page=0", "/?page=1e9",
    "/search?q=" + "a" * 20_000, "/search?q=%00", "/search?q=%ff%fe", "/?%ff=%ff",
    "/posts/" + "a" * 5000, "/posts/%00", "/posts/..%2f..%2fetc%2fpasswd", "/tags/%e2%80%ae",
    "//etc/passwd", "/static/../app/config.py", "/static/%2e%2e/app/config.py",
    "/api/v1/posts?per_page=100000000", "/api/v1/posts?since=not-a-date",
    "/api/v1/posts?" + "&".join(f"tag=t{i}" for i in range(2000)),
])
def test_odd_and_huge_paths_get_4xx_never_500(site: Flask, url: str) -> None:
    response = site.test_client().get(url)
    assert 200 <= response.status_code < 500, url
    assert b"Traceback" not in response.data
