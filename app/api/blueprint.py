"""flask-smorest's Blueprint as the API uses it: typed for mypy, and refusing a malformed
query parameter with 400 (webargs' default is 422), which ``app.api.errors`` words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from webargs.flaskparser import FlaskParser

View = TypeVar("View", bound=Callable[..., Any])


class QueryParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    ARGUMENTS_PARSER = QueryParser()

    def route(self, rule: str, **options: Any) -> Callable[[View], View]:
        decorator: Callable[[View], View] = super().route(rule, **options)
        return decorator

    def arguments(self, schema: Any, **options: Any) -> Callable[[View], View]:
        decorator: Callable[[View], View] = super().arguments(schema, **options)
        return decorator

    def response(self, status: int, schema: Any = None,
                 **options: Any) -> Callable[[View], View]:
        decorator: Callable[[View], View] = super().response(status, schema, **options)
        return decorator

    def alt_response(self, status: int, **options: Any) -> Callable[[View], View]:
        decorator: Callable[[View], View] = super().alt_response(status, **options)
        return decorator
