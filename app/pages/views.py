from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app import queries
from app.content.pages import reserved_segment

bp = Blueprint("pages", __name__)
RESERVED_NAMES = "folio_reserved_names"  # app.extensions: the first segments routes own


@bp.get("/<page:address>")
def detail(address: str) -> str | Response:
    canonical = address.rstrip("/")
    if reserved_segment(canonical, current_app.extensions[RESERVED_NAMES]):
        abort(404)  # /tags/Nope, /api/v2: no page can be there; no need to ask the database
    page = queries.public_page(canonical)
    if page is not None and canonical != address:
        return redirect(url_for("pages.detail", address=canonical), 301)
    if page is None:
        return moved(canonical)
    return render_template("pages/detail.html", page=page)


def moved(address: str) -> Response:
    """``/<old-slug>`` of a page renamed (or listing it in its aliases) redirects for good."""
    current = queries.moved_page(address[1:]) if address.count("/") == 1 else None
    if current is None:
        abort(404)
    return redirect(url_for("pages.detail", address=current.path), 301)
