from __future__ import annotations

from flask import Blueprint

from app import taxonomy

bp = Blueprint("categories", __name__, url_prefix="/categories")


@bp.get("/")
def index() -> str:
    return taxonomy.index_page(taxonomy.CATEGORIES)


@bp.get("/<slug:slug>")
def detail(slug: str) -> str:
    return taxonomy.filed_page(taxonomy.CATEGORIES, slug)
