"""Each post page's other forms: ``/posts/<slug>.md`` (the Markdown source as written),
``/posts/<slug>.ipynb`` (a notebook post's source) and ``/posts/<slug>.json`` (the API's
document of the post), under the page's own rules: an old
slug moves for good to the same form of the new one, a pruned post is gone, anything not
published is not found.

Werkzeug prefers these rules to ``/posts/<slug>`` for a path ending in ``.md`` or ``.json``,
and a slug never contains a dot, so the forms and the page cannot be mistaken for each other.
"""

from __future__ import annotations

from flask import Response, abort, jsonify, redirect, url_for

from app import queries
from app.api.fields import is_slug
from app.api.schemas import post_document
from app.models import Post
from app.posts.blueprint import bp


@bp.get("/posts/<slug:slug>.md")
def markdown(slug: str) -> Response:
    post = _published(slug, "posts.markdown")
    if post.source_path.endswith(".ipynb"):  # its source is a notebook, not Markdown
        return redirect(url_for("posts.notebook", slug=post.slug), 301)  # type: ignore[return-value]
    return Response(post.source, mimetype="text/markdown")


@bp.get("/posts/<slug:slug>.ipynb")
def notebook(slug: str) -> Response:
    """A notebook post's source, as its author wrote it (never run on the server)."""
    post = _published(slug, "posts.notebook")
    if not post.source_path.endswith(".ipynb"):
        abort(404)
    return Response(post.source, mimetype="application/x-ipynb+json", headers={
        "Content-Disposition": f'attachment; filename="{post.slug}.ipynb"'})


@bp.get("/posts/<slug:slug>.json")
def document(slug: str) -> Response:
    post = _published(slug, "posts.document")
    return jsonify(post_document(post))


def _published(slug: str, endpoint: str) -> Post:
    """The public post at ``slug``, or the end of the request: a 301 to ``endpoint`` at the
    post's current slug, a 410 for a pruned post, a 404 for anything else."""
    if not is_slug(slug):
        abort(404)
    post = queries.public_post(slug)
    if post is not None:
        return post
    current = queries.redirect_slug(slug)
    if current is not None:
        abort(redirect(url_for(endpoint, slug=current), 301))
    abort(410 if queries.was_removed(slug) else 404)
