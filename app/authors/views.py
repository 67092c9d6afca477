from __future__ import annotations

from app import taxonomy
from app.authors import bp


@bp.get("/")
def index() -> str:
    return taxonomy.index_page(taxonomy.AUTHORS)


@bp.get("/<slug:slug>")
def detail(slug: str) -> str:
    return taxonomy.filed_page(taxonomy.AUTHORS, slug)
