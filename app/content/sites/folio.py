"""Folio's own content folder: the simplest reader. Files are already in the house format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.content import files, pages
from app.content.reader import read_article
from app.content.sites.base import SiteConfig, SiteSource, Translated

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
        return Translated(read_article(text))

    def old_addresses(self, meta: ArticleMeta, rel: str) -> list[str]:
        return []

    def site_redirects(self, tags: list[str], categories: list[str],
                       authors: list[str]) -> dict[str, str]:
        return {}
