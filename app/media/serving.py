"""A served file's response, and the per-process memory of them."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from app.caching.requests import none_match

FILES = "folio_media_files"  # app.extensions: the FileCache
PREFIX = "/media/"
# The address names the bytes: a browser or CDN may keep them for a year without asking.
IMMUTABLE = "public, max-age=31536000, immutable"
# An SVG is a document that can carry script: opened on its own, it may run none, load
# nothing, and is sandboxed like a page from another origin.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
DOWNLOAD_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class ServedFile:
    """A stored file as the response needs it: its bytes and its headers, made once."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str

    @classmethod
    def make(cls, key: str, content_type: str, body: bytes) -> ServedFile:
        etag = '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'
        headers = [("Content-Type", content_type), ("Cache-Control", IMMUTABLE),
                   ("ETag", etag), ("X-Content-Type-Options", "nosniff")]
        if content_type == "image/svg+xml":
            headers.append(("Content-Security-Policy", SVG_POLICY))
        if content_type == DOWNLOAD_TYPE:
            name = key.rsplit("/", 1)[-1]
            headers.append(("Content-Disposition", f'attachment; filename="{name}"'))
        return cls(body, tuple(headers), etag)


class FileCache:
    """The most recently served files, up to ``budget`` bytes; larger files are not kept (one
    video must not push out every picture). Shared by a process's threads."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.largest = budget // 8
        self.used = 0
        self.files: OrderedDict[str, ServedFile] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> ServedFile | None:
        with self.lock:
            found = self.files.get(key)
            if found is not None:
                self.files.move_to_end(key)
            return found

    def put(self, key: str, served: ServedFile) -> None:
        size = len(served.body)
        if size > self.largest:
            return
        with self.lock:
            if key in self.files:
                return
            self.files[key] = served
            self.used += size
            while self.used > self.budget:
                _, dropped = self.files.popitem(last=False)
                self.used -= len(dropped.body)


class MediaFastPath:
    """WSGI middleware answering the files a process holds in memory before Flask builds a
    request. Anything else (a miss, a range request) goes on to the view."""

    def __init__(self, cache: FileCache, wsgi_app: Any) -> None:
        self.cache = cache
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path: str = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path.startswith(PREFIX) and method in ("GET", "HEAD") and \
                "HTTP_RANGE" not in environ:
            served = self.cache.get(path[len(PREFIX):])
            if served is not None:
                return self._answer(served, environ, method == "HEAD", start_response)
        return self.wsgi_app(environ, start_response)

    @staticmethod
    def _answer(served: ServedFile, environ: dict[str, Any], head: bool,
                start_response: Any) -> list[bytes]:
        if none_match(environ.get("HTTP_IF_NONE_MATCH"), served.etag):
            start_response("304 NOT MODIFIED", [h for h in served.headers
                                                if h[0] in ("ETag", "Cache-Control")])
            return [b""]
        start_response("200 OK", [*served.headers, ("Content-Length", str(len(served.body)))])
        return [b"" if head else served.body]
