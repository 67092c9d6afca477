from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from app.feeds.views import feed_response
from app.paging import requested_page
from app.search.service import newest_matching, search_posts
from app.templating import absolute_url

bp = Blueprint("search", __name__)


@bp.get("/search")
def results() -> str:
    query = request.args.get("q", "")
    tag = request.args.get("tag") or None
    category = request.args.get("category") or None
    page = requested_page()
    found = search_posts(query, tag=tag, category=category, page=page,
                         per_page=current_app.config["POSTS_PER_PAGE"], pages=True)
    if page > 1 and page > found.pages:
        abort(404)
    return render_template("search/results.html", query=query, tag=tag, category=category,
                           found=found)


@bp.get("/search/feed.xml")
def feed() -> Response:
    query = request.args.get("q", "")
    posts = newest_matching(query, current_app.config["FEED_SIZE"])
    site = current_app.config["SITE_NAME"]
    return feed_response("feed.xml", posts, title=f"Search “{query}” · {site}",
                         page_url=absolute_url("search.results", q=query),
                         self_url=absolute_url("search.feed", q=query))


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    body = render_template("search/opensearch.xml")
    return Response(body, mimetype="application/opensearchdescription+xml")
