from __future__ import annotations

from flask import abort, current_app, render_template, request

from app import queries
from app.posts import bp


@bp.get("/")
def index() -> str:
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    posts = queries.latest_posts(page, current_app.config["POSTS_PER_PAGE"])
    return render_template("posts/index.html", posts=posts)


@bp.get("/posts/<slug>")
def detail(slug: str) -> str:
    post = queries.public_post(slug)
    if post is None:
        abort(404)
    return render_template("posts/detail.html", post=post)
