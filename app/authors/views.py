from __future__ import annotations

from flask import Blueprint

from app import taxonomy

bp = Blueprint("authors", __name__, url_prefix="/authors")


@bp.get("/")
def index() -> str:
    return taxonomy.index_page(taxonomy.AUTHORS)


@bp.get("/<slug:slug>")
def detail(slug: str) -> str:
    return taxonomy.filed_page(taxonomy.AUTHORS, slug)
