"""The addresses a site had under its previous engine (``/2019/05/01/hello.html``,
``/post/hello/``, ``/feeds/all.atom.xml``) answer 301 to where the content is now.

The importer stores them (``app.models.OldAddress``); they are looked up only for a request
that found nothing else, so Folio's own routes always win and a working page costs no query.
"""

from __future__ import annotations

from flask import Request, redirect, url_for
from werkzeug.wrappers import Response

from app import queries
from app.content.links import old_spellings
from app.content.pages import PAGE

MAX_PATH = 1000  # OldAddress.path: a longer request path was never an old address


def redirect_for(request: Request) -> Response | None:
    """A 301 to the current address of what the old site served at the request's path; None
    when it served nothing we know of there (a GET or HEAD only)."""
    if request.method not in ("GET", "HEAD") or len(request.path) > MAX_PATH:
        return None
    if "\x00" in request.path:  # no old site served one, and PostgreSQL refuses it in text
        return None
    row = queries.old_address(old_spellings(request.path))
    if row is None:
        return None
    if row.target is not None:
        return redirect(row.target, 301)
    if row.kind == PAGE:
        return redirect(url_for("pages.detail", address=row.page), 301)
    return redirect(url_for("posts.detail", slug=row.slug), 301)
