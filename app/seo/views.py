from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, render_template

from app import queries
from app.models import Author, Category, Tag
from app.seo import sitemap as entries
from app.templating import absolute_url

bp = Blueprint("seo", __name__)

LISTINGS = (("tags", Tag), ("categories", Category), ("authors", Author))
FIXED_PAGES = 5  # home, archive, and the three indexes


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """One sitemap while the site fits the protocol's 50,000 URLs, else an index of several."""
    count, newest = queries.public_post_summary()
    listings = {endpoint: queries.sitemap_listings(model) for endpoint, model in LISTINGS}
    pages = queries.sitemap_pages()
    per_file = int(current_app.config["SITEMAP_MAX_URLS"])
    if count + FIXED_PAGES + len(pages) + sum(len(rows) for rows in listings.values()) \
            <= per_file:
        return _urlset(entries.fixed_pages(listings, newest) + entries.listing_entries(listings)
                       + entries.page_entries(pages)
                       + entries.post_entries(queries.sitemap_posts()))
    return _xml(render_template("seo/sitemap_index.xml", newest=newest,
                                post_files=math.ceil(count / per_file)))


@bp.get("/sitemaps/listings.xml")
def sitemap_listings() -> Response:
    """The fixed pages, the listings and the site's pages, when posts need files of their own."""
    _, newest = queries.public_post_summary()
    listings = {endpoint: queries.sitemap_listings(model) for endpoint, model in LISTINGS}
    return _urlset(entries.fixed_pages(listings, newest) + entries.listing_entries(listings)
                   + entries.page_entries(queries.sitemap_pages()))


@bp.get("/sitemaps/posts-<number:number>.xml")
def sitemap_posts(number: int) -> Response:
    per_file = int(current_app.config["SITEMAP_MAX_URLS"])
    posts = queries.sitemap_posts(offset=(number - 1) * per_file, limit=per_file)
    if not posts:
        abort(404)
    return _urlset(entries.post_entries(posts))


def _urlset(urls: list[entries.Entry]) -> Response:
    return _xml(render_template("seo/sitemap.xml", entries=urls))


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers are welcome only on the production site; staging copies stay out of search."""
    rules = "Allow: /" if current_app.config["FOLIO_ENV"] == "production" else "Disallow: /"
    body = (f"User-agent: *\n{rules}\n\n"
            f"Sitemap: {absolute_url('seo.sitemap')}\n")
    return Response(body, mimetype="text/plain")
