from __future__ import annotations

from flask import Response, current_app, render_template

from app import queries
from app.models import Author, Category, Tag
from app.seo import bp
from app.templating import absolute_url


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    posts = queries.sitemap_posts()
    listings = {endpoint: queries.sitemap_listings(model) for endpoint, model in
                (("tags", Tag), ("categories", Category), ("authors", Author))}
    body = render_template("seo/sitemap.xml", posts=posts, listings=listings,
                           newest=max((post.lastmod for post in posts), default=None))
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers are welcome only on the production site; staging copies stay out of search."""
    rules = "Allow: /" if current_app.config["FOLIO_ENV"] == "production" else "Disallow: /"
    body = (f"User-agent: *\n{rules}\n\n"
            f"Sitemap: {absolute_url('seo.sitemap')}\n")
    return Response(body, mimetype="text/plain")
