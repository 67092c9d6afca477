"""Acceptance on a real Hugo blog, ``../shared/corpora/sites/hugo-jessfraz`` (read there, never
copied into the project): found, read and translated as the pipeline does, and, where ``hugo``
is installed, compared with what Hugo publishes from it."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from app.content import sites
from app.content.media import Site, attach_media
from app.content.metadata import ArticleMeta, MetaSettings
from app.content.pages import POST
from app.content.planning import read_translated
from app.content.render import render_markdown
from app.content.sites import Translated
from app.content.sites.shortcodes import code_regions
from tests.conftest import CORPORA
from tests.content.sites.hugo_build import build

POSTS = 75
DRAFTS = 3
# Images the public snapshot of the blog lost: referenced, not in static/img/.
MISSING_IMAGES = {"/img/chrome-userns.png", "/img/office-jan.jpg", "/img/skype1.png"}

Articles = dict[str, tuple[ArticleMeta, Translated]]


@pytest.fixture(scope="module")
def root() -> Path:
    """The blog; on CI its absence is a failure (as the ``corpora`` fixture says)."""
    if not CORPORA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPORA} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{CORPORA} not present")
    return CORPORA / "sites" / "hugo-jessfraz"


@pytest.fixture(scope="module")
def config(root: Path) -> sites.SiteConfig:
    return sites.detect(root)


@pytest.fixture(scope="module")
def articles(root: Path, config: sites.SiteConfig) -> Articles:
    settings = MetaSettings(source=config.source, **config.overrides)
    reader = sites.reader_for(config.source)
    read = {}
    for rel in reader.discover(root):
        meta, translated, _ = read_translated((root / rel).read_bytes(), rel, settings)
        read[rel] = meta, translated
    return read


def test_recognised_as_hugo(config: sites.SiteConfig) -> None:
    assert (config.source.engine, config.config_file) == ("hugo", "config.toml")
    assert config.source.settings["base_url"] == "https://blog.jessfraz.com/"
    assert config.overrides["static_dirs"] == ("static",)
    assert config.overrides["dialect"] == "gfm"


def test_every_post_is_read(articles: Articles) -> None:
    assert len(articles) == POSTS
    assert all(rel.startswith("content/post/") for rel in articles)
    assert "README.md" not in articles
    assert {meta.kind for meta, _ in articles.values()} == {POST}
    assert sum(meta.draft for meta, _ in articles.values()) == DRAFTS
    assert all(meta.authors == ["Jessica Frazelle"] for meta, _ in articles.values())


def test_old_addresses_are_the_blogs_post_addresses(articles: Articles) -> None:
    for rel, (meta, _) in articles.items():
        stem = Path(rel).stem.lower()
        assert f"/post/{stem}/" in meta.old_addresses, rel


def test_images_resolve_to_the_static_folder(root: Path, config: sites.SiteConfig,
                                             articles: Articles) -> None:
    site = Site(str(root), config.overrides["static_dirs"])
    missing: set[str] = set()
    resolved = 0
    for rel, (meta, translated) in articles.items():
        raw = translated.raw
        page = render_markdown(raw.body, title=meta.title, dialect="gfm").html
        result = attach_media(page, raw.body, raw.body_line, rel, site, meta.image)
        resolved += sum(1 for file in result.files if file.source.startswith("static/img/"))
        for error in result.errors:
            found = re.match(r"'(/img/[^']+)': there is no file", error.message)
            assert found, (rel, error.message)
            missing.add(found.group(1))
    assert missing == MISSING_IMAGES
    assert resolved >= 60


def test_no_shortcode_text_is_left_outside_code(articles: Articles) -> None:
    for rel, (_, translated) in articles.items():
        body = translated.raw.body
        for start, end in reversed(code_regions(body)):
            body = body[:start] + body[end:]
        assert "{{<" not in body and "{{%" not in body, rel
        assert not translated.left, rel


def test_what_hugo_publishes(root: Path, articles: Articles,
                             tmp_path_factory: pytest.TempPathFactory) -> None:
    output = build(root, tmp_path_factory.mktemp("jessfraz"))
    published = output.by_file()
    assert len(published) == POSTS - DRAFTS
    for rel, (meta, _) in articles.items():
        page = published.get(rel.removeprefix("content/"))
        if page is None:
            assert meta.draft, rel
            continue
        assert meta.title == page["title"], rel
        assert meta.old_addresses[-1] == page["path"], rel
        assert meta.published_at == dt.datetime.fromisoformat(page["date"]), rel
    aliases = {address for meta, translated in articles.values() if not meta.draft
               for address in translated.addresses}
    # Hugo writes /post/x/index.html for the alias /post/x/index.html: one address.
    assert {address.removesuffix("index.html") for address in aliases} == output.aliases
