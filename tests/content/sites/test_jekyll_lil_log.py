"""Acceptance: the real Jekyll blog in ../shared/corpora/sites/jekyll-lil-log (read in place,
never copied) read as the pipeline reads it: every post, its tags and author as Jekyll has
them, and no Liquid or kramdown left in the bodies."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings
from app.content.nesting import code_spans
from app.content.planning import read_translated
from app.content.sites import SiteConfig, Translated
from tests.conftest import CORPORA

pytestmark = pytest.mark.corpora

POST_COUNT = 37
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HIGHLIGHT = re.compile(r"^\{%\s*highlight\s+([\w+#-]+)")
_SOURCE_LINK = re.compile(r"\((/_posts/[^)#\s]+)")


@pytest.fixture(scope="module")
def lil_log() -> Path:
    """The site, read once for the module; on CI its absence is a failure (as the
    ``corpora`` fixture says)."""
    root = CORPORA / "sites" / "jekyll-lil-log"
    if not root.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{root} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{root} not present")
    return root


@pytest.fixture(scope="module")
def site(lil_log: Path) -> SiteConfig:
    return sites.detect(lil_log)


@pytest.fixture(scope="module")
def posts(lil_log: Path, site: SiteConfig) -> dict[str, tuple[ArticleMeta, Translated]]:
    reader = sites.reader_for(site.source)
    # As the pipeline adapts them: JSON-like lists become the tuples MetaSettings holds.
    overrides: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                 for key, value in site.overrides.items()}
    settings = MetaSettings(source=site.source, **overrides)
    found = {}
    for rel in reader.discover(lil_log):
        meta, translated, _ = read_translated((lil_log / rel).read_bytes(), rel, settings)
        found[rel] = (meta, translated)
    return found


def outside_code(body: str) -> str:
    """The body without its fenced code blocks and code spans."""
    kept, fence = [], None
    for line in body.split("\n"):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and line.strip() and set(line.strip()) == {fence[0]} \
                    and len(line.strip()) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        last, pieces = 0, []
        for start, end in code_spans(line):
            pieces.append(line[last:start])
            last = end
        kept.append("".join(pieces) + line[last:])
    return "\n".join(kept)


def front_matter(path: Path) -> dict[str, object]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
    assert isinstance(loaded, dict)
    return loaded


def test_the_site_is_recognised(site: SiteConfig) -> None:
    assert site.source.engine == "jekyll"
    assert site.overrides["dialect"] == "gfm"
    assert site.overrides["math_inline_dollars"] is False


def test_every_post_is_read(posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    found = [rel for rel, (meta, _) in posts.items() if meta.kind == "post"]
    assert len(found) == POST_COUNT
    assert all(rel.startswith("_posts/") for rel in found)


def test_tags_are_split_as_jekyll_splits_them(
        lil_log: Path, posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    for rel, (meta, _) in posts.items():
        if meta.kind != "post":
            continue
        written = front_matter(lil_log / rel).get("tags")
        expected = written.split() if isinstance(written, str) else written or []
        assert meta.tags == expected, rel
        assert not any(" " in tag for tag in meta.tags), rel


def test_the_author_is_the_sites(lil_log: Path,
                                 posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    author = yaml.safe_load((lil_log / "_config.yml").read_text(encoding="utf-8"))["author"]
    assert {meta.author for meta, _ in posts.values()} == {author}


def test_no_liquid_or_kramdown_left_outside_code(
        posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    for rel, (_, translated) in posts.items():
        text = outside_code(translated.raw.body)
        for construct in ("{%", "{{", "{:"):
            assert construct not in text, (rel, construct)
        assert not translated.left, rel


def test_every_post_url_leads_to_a_file(
        lil_log: Path, posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    for rel, (_, translated) in posts.items():
        source = (lil_log / rel).read_text(encoding="utf-8")
        assert translated.translated["post_url"] == source.count("{% post_url"), rel
        for target in _SOURCE_LINK.findall(translated.raw.body):
            assert (lil_log / target.lstrip("/")).is_file(), (rel, target)


def test_highlight_blocks_became_fenced_code(
        lil_log: Path, posts: dict[str, tuple[ArticleMeta, Translated]]) -> None:
    blocks = 0
    for rel, (_, translated) in posts.items():
        source = (lil_log / rel).read_text(encoding="utf-8").split("\n")
        body = translated.raw.body.split("\n")
        offset = translated.raw.body_line - 1
        for number, line in enumerate(source[offset:]):
            highlight = _HIGHLIGHT.match(line)
            if highlight:
                blocks += 1
                assert body[number] == "```" + highlight.group(1), (rel, number)
        assert "{% highlight" not in translated.raw.body, rel
    assert blocks > 0
