"""Any web page may read the API (GET, HEAD and preflight OPTIONS); the site's pages stay
same-origin."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

ORIGIN = {"Origin": "https://elsewhere.example"}


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/api/v1/posts", 200),
    ("HEAD", "/api/v1/posts", 200),
    ("GET", "/api/v1/posts/newer", 200),
    ("GET", "/api/v1/tags", 200),
    ("GET", "/api/v1/openapi.json", 200),
    ("GET", "/api/v1/posts?page=abc", 400),
    ("GET", "/api/v1/posts/nope", 404),
    ("GET", "/api/v1/nothing", 404),
    ("POST", "/api/v1/posts", 405),
])
def test_every_api_answer_allows_any_origin(site: Flask, client: FlaskClient, method: str,
                                            url: str, status: int) -> None:
    response = client.open(url, method=method, headers=ORIGIN)

    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("url", ["/api/v1/posts", "/api/v1/posts/newer", "/api/v1/posts/nope",
                                 "/api/v1/categories"])
def test_preflight_requests_are_answered(site: Flask, client: FlaskClient, url: str) -> None:
    response = client.options(url, headers={
        **ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})

    assert response.status_code == 200 and response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("url", ["/", "/posts/newer", "/posts/newer.json", "/posts/newer.md",
                                 "/tags/", "/feed.json", "/no/such/page"])
def test_site_pages_send_no_cors_headers(site: Flask, client: FlaskClient, url: str) -> None:
    response = client.get(url, headers=ORIGIN)

    assert not [name for name, _ in response.headers if name.startswith("Access-Control")]
