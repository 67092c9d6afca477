"""WSGI layers around the whole app, so they cover every response: pages rendered by Flask,
cache hits answered in front of it (``caching.FastPath``), static files and errors alike.

Outside in: ``ProxyFix`` (only with ``PROXY_FIX`` > 0) makes the scheme and client address
the proxy saw the ones Folio sees; ``RequestEnvelope`` gives each request an id and each
response the security headers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.logs import REQUEST_ID_ENVIRON

# An id from a proxy or client is kept if it is plainly an id: it lands in logs, so no spaces,
# quotes or control characters, and not unbounded.
ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def install(app: Flask) -> None:
    app.wsgi_app = RequestEnvelope(app.wsgi_app, security_headers(app.config),  # type: ignore[method-assign]
                                   hsts_seconds=int(app.config["HSTS_SECONDS"]))
    proxies = int(app.config["PROXY_FIX"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)


def security_headers(config: Any) -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", str(config["CONTENT_SECURITY_POLICY"])),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate CSP 2
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]


class RequestEnvelope:
    def __init__(self, wsgi_app: Any, headers: list[tuple[str, str]], hsts_seconds: int) -> None:
        self.wsgi_app = wsgi_app
        self.headers = headers
        self.header_names = {name.lower() for name, _ in headers}
        self.hsts = (f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds else None)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_id = incoming_request_id(environ.get("HTTP_X_REQUEST_ID")) or uuid.uuid4().hex
        environ[REQUEST_ID_ENVIRON] = request_id
        secure = environ.get("wsgi.url_scheme") == "https"

        def start_with_headers(status: str, headers: list[tuple[str, str]],
                               exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = [*headers, ("X-Request-ID", request_id),
                       *((name, value) for name, value in self.headers
                         if name.lower() not in present)]
            if secure and self.hsts and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", self.hsts))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)  # type: ignore[no-any-return]


def incoming_request_id(value: str | None) -> str | None:
    if value and ACCEPTABLE_REQUEST_ID.fullmatch(value):
        return value
    return None
