"""The OpenAPI document, generated from the code: every operation, every status it answers,
every error in the one shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

OPERATIONS = {
    "/api/v1/posts": {"200", "400", "404"},
    "/api/v1/posts/{slug}": {"200", "301", "404", "410"},
    "/api/v1/tags": {"200"},
    "/api/v1/categories": {"200"},
    "/api/v1/authors": {"200"},
    "/api/v1/pages": {"200"},
    "/api/v1/pages/{slug}": {"200", "301", "404"},
}


@pytest.fixture
def document(app: Flask, client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return dict(response.json)


def test_describes_the_api(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.0.3"
    assert document["info"]["title"] == "Folio content API"
    assert document["info"]["version"] == "1"
    assert document["servers"] == [{"url": "http://blog.test"}]


def test_every_operation_lists_every_status_it_answers(document: dict[str, Any]) -> None:
    assert set(document["paths"]) == set(OPERATIONS)
    for path, statuses in OPERATIONS.items():
        assert set(document["paths"][path]) <= {"get", "parameters"}, path
        responses = document["paths"][path]["get"]["responses"]
        assert set(responses) == statuses, path  # no catch-all "default"
        for status, response in responses.items():
            assert response["description"], (path, status)
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_the_error_shape(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["Error"]["required"] == ["error"]
    assert set(schemas["ErrorDetail"]["properties"]) == {"status", "code", "message",
                                                         "parameter"}
    assert set(schemas["ErrorDetail"]["required"]) == {"status", "code", "message"}


def test_query_parameters_are_described(document: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/posts"]["get"]["parameters"]}

    assert list(parameters) == ["q", "tag", "category", "author", "published_after",
                                "published_before", "page", "per_page"]
    assert all(p["in"] == "query" and not p["required"] and p["description"]
               for p in parameters.values())
    assert parameters["per_page"]["schema"] == {"type": "integer", "default": 10,
                                                "minimum": 1, "maximum": 100}
    assert parameters["tag"]["schema"]["pattern"] == "^[a-z0-9][a-z0-9-]{0,199}$"
    assert {s["format"] for s in parameters["published_after"]["schema"]["anyOf"]} == {
        "date", "date-time"}


def test_responses_are_closed_objects(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        assert schema["additionalProperties"] is False, name
