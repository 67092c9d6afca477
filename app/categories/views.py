from __future__ import annotations

from app import taxonomy
from app.categories import bp


@bp.get("/")
def index() -> str:
    return taxonomy.index_page(taxonomy.CATEGORIES)


@bp.get("/<slug:slug>")
def detail(slug: str) -> str:
    return taxonomy.filed_page(taxonomy.CATEGORIES, slug)
