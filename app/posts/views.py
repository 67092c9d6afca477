from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app import queries
from app.paging import requested_page
from app.posts.blueprint import bp
from app.seo import structured_data


@bp.get("/")
def index() -> str:
    page = requested_page()
    posts = queries.latest_posts(page, current_app.config["POSTS_PER_PAGE"])
    return render_template("posts/index.html", posts=posts)


@bp.get("/posts/<slug:slug>")
def detail(slug: str) -> str | Response:
    post = queries.public_post(slug)
    if post is None:
        return moved_or_gone(slug)
    neighbours = queries.neighbours(post)
    return render_template(
        "posts/detail.html",
        post=post,
        neighbours=neighbours,
        related=queries.related_to(post, besides=neighbours),
        mentioned_in=queries.mentioned_in(post),
        structured_data=structured_data.for_post(post),
    )


def moved_or_gone(slug: str) -> Response:
    """An old address of a post that still exists redirects for good; a pruned one is gone."""
    current = queries.redirect_slug(slug)
    if current is not None:
        return redirect(url_for("posts.detail", slug=current), 301)
    abort(410 if queries.was_removed(slug) else 404)
