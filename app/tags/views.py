from __future__ import annotations

from flask import Blueprint

from app import taxonomy

bp = Blueprint("tags", __name__, url_prefix="/tags")


@bp.get("/")
def index() -> str:
    return taxonomy.index_page(taxonomy.TAGS)


@bp.get("/<slug:slug>")
def detail(slug: str) -> str:
    return taxonomy.filed_page(taxonomy.TAGS, slug)
