"""Folio's ``wsgi.app`` for the fault tests, with one test-only addition: a request carrying
``X-Test-Delay: SECONDS`` sleeps that long (at most 10 s) before Folio answers it, so a test can
have requests genuinely in flight when it signals the server.

The delay wraps ``app.wsgi_app`` (Flask's middleware slot) rather than the app object, so
gunicorn still serves the Flask app itself and ``gunicorn.conf.py``'s ``post_fork`` still gives
each worker its own database connections.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from wsgi import app

DELAY_HEADER = "X-Test-Delay"
MAX_DELAY_S = 10.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Delay:
    """Sleep for the seconds a request's X-Test-Delay header asks, then pass it on."""

    def __init__(self, wsgi_app: WsgiApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        asked = environ.get("HTTP_" + DELAY_HEADER.upper().replace("-", "_"))
        if asked:
            time.sleep(min(float(asked), MAX_DELAY_S))
        return self.wsgi_app(environ, start_response)


app.wsgi_app = Delay(app.wsgi_app)  # type: ignore[method-assign]

__all__ = ["app"]
