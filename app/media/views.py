from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, request
from werkzeug.wrappers import Response

from app import queries
from app.media.serving import FILES, FileCache, ServedFile

bp = Blueprint("media", __name__, url_prefix="/media")
_DIGEST = re.compile(r"[0-9a-f]{32}")


@bp.get("/<digest>/<name>")
def file(digest: str, name: str) -> Response:
    if not _DIGEST.fullmatch(digest):
        abort(404)  # no file has such an address: no need to ask the database
    key = f"{digest}/{name}"
    cache: FileCache = current_app.extensions[FILES]
    served = cache.get(key)
    if served is None:
        row = queries.media_file(key)
        if row is None:
            abort(404)
        served = ServedFile.make(key, row.content_type, row.data)
        cache.put(key, served)
    response = Response(served.body, headers=list(served.headers))
    # Ranges (a video's seek), If-None-Match and HEAD, as Werkzeug answers them.
    return response.make_conditional(request, accept_ranges=True,
                                     complete_length=len(served.body))
