"""WSGI layers around the whole app, so they cover every response: pages rendered by Flask,
cache hits answered in front of it (``caching.FastPath``), static files and errors alike.

Outside in: ``ProxyFix`` (only with ``PROXY_FIX`` > 0) makes the scheme and client address
the proxy saw the ones Folio sees; ``RequestEnvelope`` gives each request an id and each
response the security headers; ``LocalRedirects`` keeps every redirect on the site.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.logs import REQUEST_ID_ENVIRON

# An id from a proxy or client is kept if it is plainly an id: it lands in logs, so no spaces,
# quotes or control characters, and not unbounded.
ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# RFC 3986, appendix B: scheme, authority, path, query, fragment of any string (urlsplit
# raises on some hosts a client can send, such as "[evil").
URI_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?", re.DOTALL)
# The start of a path that browsers read as the start of a host: "//evil.example",
# "/\evil.example", either with tabs, newlines or spaces in between (browsers drop them).
HOST_LIKE_START = re.compile(r"^[\x00-\x20]*[/\\][/\\\x00-\x20]*")


def install(app: Flask) -> None:
    redirects = LocalRedirects(app.wsgi_app, str(app.config["SITE_URL"]))
    app.wsgi_app = RequestEnvelope(redirects, security_headers(app.config),  # type: ignore[method-assign]
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


def hsts_value(seconds: int) -> str | None:
    """The Strict-Transport-Security header for ``seconds`` (HSTS_SECONDS); None for 0."""
    return f"max-age={seconds}; includeSubDomains" if seconds else None


class RequestEnvelope:
    def __init__(self, wsgi_app: Any, headers: list[tuple[str, str]], hsts_seconds: int) -> None:
        self.wsgi_app = wsgi_app
        self.headers = headers
        self.header_names = {name.lower() for name, _ in headers}
        self.hsts = hsts_value(hsts_seconds)

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


class LocalRedirects:
    """Every ``Location`` Folio sends is a path on the site, or an address on ``SITE_URL``.

    Werkzeug builds the 308s for a missing trailing slash (``/archive``) or doubled slashes
    from the request's Host, or X-Forwarded-Host under ``PROXY_FIX``: a client naming
    another host got a redirect there, and a cache in front could keep it for every reader.
    Flask answers those redirects itself, past every error handler, so this is the one place
    that sees them and Folio's own 301s alike. A path is right on whatever host and scheme
    the reader used, so it is the answer even behind a proxy that hides the scheme.
    """

    def __init__(self, wsgi_app: Any, site_url: str) -> None:
        self.wsgi_app = wsgi_app
        site = urlsplit(site_url)
        self.site_origin = (site.scheme.lower(), site.netloc.lower())

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start_with_local_location(status: str, headers: list[tuple[str, str]],
                                      exc_info: Any = None) -> Any:
            headers = [(name, local_location(value, self.site_origin))
                       if name.lower() == "location" else (name, value)
                       for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_local_location)  # type: ignore[no-any-return]


def local_location(location: str, site_origin: tuple[str, str]) -> str:
    """``location`` as a path (with its query and fragment), unless it is on ``site_origin``
    (scheme, host), SITE_URL's. Whatever it was, the answer cannot name another host."""
    match = URI_PARTS.match(location)
    assert match is not None  # every part is optional: any string matches
    scheme, authority, path, query, fragment = match.groups()
    if authority is not None and ((scheme or "").lower(), authority.lower()) == site_origin:
        return location
    path = HOST_LIKE_START.sub("/", path)
    if authority is not None and not path:
        path = "/"
    if ":" in path.split("/", 1)[0]:  # "javascript:..." once its scheme is gone stays a path
        path = "./" + path
    return path + (query or "") + (fragment or "")
