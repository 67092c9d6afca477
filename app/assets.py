"""Static files at content-hashed addresses, kept by browsers and CDNs for a year.

``/assets/<hash>/css/site.css`` is ``/static/css/site.css`` (the site's own file in
``instance/static/`` first, as ``app.theme`` serves it) under an address that changes whenever
its bytes do: pages link it through :func:`asset_url`, so a browser fetches the stylesheet
once and a second page view costs no request at all. Hashes and compressed forms are made at
start-up, never per request; the files are small (Folio's are 84 kB), and each is held in
memory with its Brotli and gzip forms.

After a deploy, a page cached elsewhere may still name the previous hash: that address keeps
working, with the current file, but for five minutes rather than a year, so that no cache
keeps the new bytes under the old name for long.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, url_for
from werkzeug.exceptions import NotFound

from app.caching.encodings import accepted, choose, coded_etag, compressed_forms
from app.caching.requests import matching_etag

IMMUTABLE = "public, max-age=31536000, immutable"
SUPERSEDED = "public, max-age=300"
DIGEST_CHARS = 12
_ASSETS = "folio_assets"  # app.extensions

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    digest: str
    content_type: str
    body: bytes
    forms: dict[str, bytes] = field(default_factory=dict)


def install(app: Flask, folders: tuple[str, ...]) -> None:
    """Hash and compress every file of ``folders`` (the first holding a name wins), for the
    route of ``bp``, which the app registers with its other blueprints."""
    assets = load(folders)
    app.extensions[_ASSETS] = assets
    # Part of every cached page's key: a page links the hashes of the files it was made with.
    app.config["ASSETS_FINGERPRINT"] = hashlib.blake2b(
        "".join(f"{name}={asset.digest};" for name, asset in sorted(assets.items())).encode(),
        digest_size=8).hexdigest()
    app.add_template_global(asset_url)


def load(folders: tuple[str, ...]) -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for folder in reversed(folders):  # the first folder's files replace the later ones'
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                assets[path.relative_to(root).as_posix()] = _asset(path)
    return assets


def _asset(path: Path) -> Asset:
    body = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "image/svg+xml":
        content_type += "; charset=utf-8"
    digest = hashlib.sha256(body).hexdigest()[:DIGEST_CHARS]
    return Asset(digest, content_type, body, compressed_forms(body, content_type))


def asset_url(filename: str) -> str:
    """The hashed address of a static file; its plain ``/static/`` address when there is no
    such file (so a typo in a template shows as a 404 there, not as a crash)."""
    asset = current_app.extensions[_ASSETS].get(filename)
    if asset is None:
        return url_for("static", filename=filename)
    return url_for("assets.file", digest=asset.digest, filename=filename)


@bp.get("/assets/<digest>/<path:filename>")
def file(digest: str, filename: str) -> Response:
    asset: Asset | None = current_app.extensions[_ASSETS].get(filename)
    if asset is None:
        raise NotFound()
    allowed = accepted(request.headers.get("Accept-Encoding"))
    etag = f'"{asset.digest}"'
    headers = {"Cache-Control": IMMUTABLE if digest == asset.digest else SUPERSEDED,
               "Vary": "Accept-Encoding"}
    matched = matching_etag(request.headers.get("If-None-Match"), etag, allowed)
    if matched:
        return Response(status=304, headers={**headers, "ETag": matched})
    coding = choose(asset.forms, allowed)
    response = Response(asset.forms[coding] if coding else asset.body,
                        content_type=asset.content_type,
                        headers={**headers, "ETag": coded_etag(etag, coding)})
    if coding:
        response.headers["Content-Encoding"] = coding
    return response
