"""The API's one error shape, for every status and every cause (a view's ``abort``, a query
parameter that fails validation, an unknown address, a wrong method, a crash)::

    {"error": {"status": 400, "code": "bad_request",
               "message": "per_page: Must be greater than or equal to 1 and ...",
               "parameter": "per_page"}}

``parameter`` is there only when one query parameter is the cause. ``app/errors.py`` sends
errors under ``/api/`` here and keeps the site's HTML error page everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Response, jsonify, request
from marshmallow import Schema, fields
from webargs.flaskparser import abort
from werkzeug.exceptions import HTTPException

API_ROOT = "/api"


def is_api_request() -> bool:
    return request.path == API_ROOT or request.path.startswith(API_ROOT + "/")


def fail(status: int, message: str, *, parameter: str | None = None) -> NoReturn:
    """Stop the request with an API error; ``parameter`` names the query parameter at fault."""
    abort(status, message=message, parameter=parameter)


def error_response(error: HTTPException) -> Response:
    """The JSON answer to ``error``, with its status; the caller copies its headers."""
    status = error.code or 500
    data: Mapping[str, Any] = getattr(error, "data", None) or {}
    parameter, message = data.get("parameter"), data.get("message")
    if "messages" in data:  # webargs: {"query": {"per_page": ["Must be ..."]}}
        parameter, message = _first_invalid(data["messages"])
    body: dict[str, Any] = {
        "status": status,
        "code": _code(status),
        "message": message or error.description or _phrase(status),
    }
    if parameter:
        body["parameter"] = parameter
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _first_invalid(messages: Mapping[str, Any]) -> tuple[str | None, str]:
    """The first parameter webargs refused and every complaint, in the schema's field order."""
    complaints: list[str] = []
    first: str | None = None
    for problems in messages.values():
        for name, detail in problems.items():
            texts = detail if isinstance(detail, list) else [str(detail)]
            if name != "_schema":
                first = first or name
                complaints.append(f"{name}: {' '.join(map(str, texts))}")
            else:
                complaints.extend(map(str, texts))
    return first, " ".join(complaints) or "Invalid query parameters."


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _code(status: int) -> str:
    """``404`` -> ``not_found``: the status's phrase in snake case, stable for clients."""
    return re.sub(r"[^a-z0-9]+", "_", _phrase(status).lower()).strip("_")


class ErrorDetail(Schema):
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    code = fields.String(required=True, metadata={
        "description": "The status in snake case: bad_request, not_found, gone, ...",
        "example": "bad_request"})
    message = fields.String(required=True, metadata={
        "description": "What went wrong, in English, for a developer."})
    parameter = fields.String(metadata={
        "description": "The query parameter at fault, when there is one.",
        "example": "per_page"})


class Error(Schema):
    """Every error the API answers, whatever its status."""

    error = fields.Nested(ErrorDetail, required=True)
