"""Folio's own content folder: the simplest reader. Files are already in the house format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.content import files, pages
from app.content.reader import RawArticle, read_article
from app.content.sites.base import SiteConfig, SiteSource, Translated

NOTEBOOK_SUFFIX = ".ipynb"


def read_notebook_article(text: str) -> RawArticle:
    """A notebook as an article: its metadata (title, date, authors, tags) from the
    notebook's own, its body rendered from its cells (never run). Its lines are not a Markdown
    file's: problems point at its first line."""
    from app.content.notebooks import notebook_body, notebook_meta  # nbformat: 0.25 s

    meta = notebook_meta(text)
    return RawArticle(meta, notebook_body(text), text, 1, dict.fromkeys(meta, 1))

if TYPE_CHECKING:
    from app.content.metadata import ArticleMeta


def find_config(root: Path) -> Path | None:
    return None  # a folder with no other engine's configuration is Folio's


def configure(root: Path, config: Path) -> SiteConfig:
    return SiteConfig(SiteSource(), "")


class Reader:
    def __init__(self, source: SiteSource) -> None:
        self.source = source

    def discover(self, root: Path) -> list[str]:
        return files.discover(root)

    def is_page(self, rel: str) -> bool:
        return pages.in_pages_folder(rel)

    def companions(self, rel: str) -> list[str]:
        return []

    def read(self, text: str, rel: str, companions: dict[str, str]) -> Translated:
        if rel.lower().endswith(NOTEBOOK_SUFFIX):
            return Translated(read_notebook_article(text))
        return Translated(read_article(text))

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        return []

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        return {}
