"""The Pelican reader over a real Pelican site (../shared/corpora/sites/pelican-pybites, read
only): every article, page and notebook reads and normalises; the counts are those Pelican
makes of the same files; dates, authors, tags and old addresses are Pelican's."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings, normalise
from app.content.reader import decode
from app.content.sites import SiteConfig, Translated
from tests.conftest import CORPORA

pytestmark = pytest.mark.corpora

PARIS = ZoneInfo("Europe/Paris")
_MARKS = re.compile(r"\{(?:filename|static|attach)\}|\|filename\||%7Bfilename%7D")


@dataclass
class Read:
    translated: Translated
    meta: ArticleMeta


@dataclass
class Site:
    root: Path
    config: SiteConfig
    reader: sites.EngineReader
    files: dict[str, Read]


@pytest.fixture(scope="module")
def pybites() -> Site:
    root = CORPORA / "sites" / "pelican-pybites"
    if not root.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{root} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{root} not present")
    config = sites.detect(root)
    reader = sites.reader_for(config.source)
    overrides = dict(config.overrides)
    overrides["static_dirs"] = tuple(overrides["static_dirs"])
    settings = replace(MetaSettings(), source=config.source, **overrides)
    files: dict[str, Read] = {}
    for rel in reader.discover(root):
        text, _ = decode((root / rel).read_bytes())
        companions = {path: decode((root / path).read_bytes())[0]
                      for path in reader.companions(rel) if (root / path).is_file()}
        translated = reader.read(text, rel, companions)
        meta, _ = normalise(translated.raw, rel.rsplit("/", 1)[-1], settings,
                            in_pages_folder=reader.is_page(rel))
        meta.old_addresses = list(dict.fromkeys(translated.addresses
                                                + reader.old_addresses(meta, rel)))
        files[rel] = Read(translated, meta)
    return Site(root, config, reader, files)


def pelicans_counts(content: Path) -> tuple[int, int, int]:
    """Articles, pages and drafts as Pelican 3.7 made them of this site (PATH 'content',
    pages in 'pages', MARKUP ('md', 'ipynb') with the ipynb plugin, whose articles' metadata
    is the .ipynb-meta file), counted from the files themselves."""
    articles = pages = drafts = 0
    for path in content.rglob("*"):
        inside = path.relative_to(content).as_posix()
        if path.suffix == ".md":
            header = path.read_text(encoding="utf-8-sig").split("\n\n", 1)[0]
        elif path.suffix == ".ipynb" and path.with_suffix(".ipynb-meta").is_file():
            header = path.with_suffix(".ipynb-meta").read_text(encoding="utf-8-sig")
        else:
            continue
        if re.search(r"^status:\s*draft\s*$", header, re.IGNORECASE | re.MULTILINE):
            drafts += 1
        elif inside.startswith("pages/"):
            pages += 1
        else:
            articles += 1
    return articles, pages, drafts


def test_the_site_is_pelicans_with_its_settings(pybites: Site) -> None:
    assert pybites.config.source.engine == "pelican"
    assert pybites.config.overrides["timezone"] == "Europe/Paris"
    assert pybites.config.overrides["static_dirs"] == ("content",)
    assert pybites.config.overrides["default_author"] == "pybites"
    # DIRECT_TEMPLATES = default_pages + pybites_pages is computed, but Folio does not use it
    assert pybites.config.unread == []


def test_every_file_reads_and_the_counts_are_pelicans(pybites: Site) -> None:
    articles, pages, drafts = pelicans_counts(pybites.root / "content")
    metas = [read.meta for read in pybites.files.values()]
    assert sum(m.kind == "post" and not m.draft for m in metas) == articles == 394
    assert sum(m.kind == "page" and not m.draft for m in metas) == pages == 37
    assert sum(m.draft for m in metas) == drafts == 0
    assert sum(rel.endswith(".ipynb") for rel in pybites.files) == 7


def test_hidden_pages_stay_hidden(pybites: Site) -> None:
    hidden = [read.meta for read in pybites.files.values()
              if read.meta.extra.get("status") == "hidden"]
    assert len(hidden) == 37 and all(m.kind == "page" and m.menu is None for m in hidden)
    not_found = pybites.files["content/pages/404.md"].meta
    assert not_found.old_addresses == ["/404.html", "/pages/not-found.html"]


@pytest.mark.parametrize(("rel", "paris", "authors", "tags"), [
    ("content/100days.md", "2017-03-29 20:04", ["PyBites"], ["news", "special", "challenge"]),
    ("content/3.6_new.md", "2016-12-31 11:39", ["Bob"],
     ["3.6", "features", "release", "asyncio", "formatting", "typing", "dicts", "secrets",
      "generators", "readability"]),
    ("content/beautiful_python.md", "2017-01-10 09:00", ["Bob"],
     ["pythonic", "cleancode", "collections", "2vs3", "namedtuples", "decorators",
      "contextmanagers"]),
    ("content/twitter-digest-201716.md", "2017-04-23 20:04", ["PyBites"], None),
    ("content/marvel-comics.ipynb", "2017-12-07 11:50", ["Martin Smith"],
     ["Pandas", "Seaborn", "data analysis", "Marvel", "Comicsm", "challenge", "guest"]),
])
def test_dates_authors_and_tags(pybites: Site, rel: str, paris: str, authors: list[str],
                                tags: list[str] | None) -> None:
    meta = pybites.files[rel].meta
    assert meta.published_at is not None
    assert meta.published_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == paris
    assert meta.authors == authors
    if tags is not None:
        assert meta.tags == tags


def test_summer_time_and_winter_time(pybites: Site) -> None:
    summer = pybites.files["content/100days.md"].meta.published_at
    winter = pybites.files["content/3.6_new.md"].meta.published_at
    assert summer == dt.datetime(2017, 3, 29, 18, 4, tzinfo=dt.UTC)
    assert winter == dt.datetime(2016, 12, 31, 10, 39, tzinfo=dt.UTC)


def test_old_addresses_are_pelicans(pybites: Site) -> None:
    assert pybites.files["content/3.6_new.md"].meta.old_addresses == ["/3.6_new.html"]
    assert pybites.files["content/3.6_new.md"].meta.slug == "3-6-new"
    assert pybites.files["content/twitter-digest-201716.md"].meta.old_addresses == [
        "/twitter_digest_201716.html"]
    assert pybites.files["content/pillow-intro.ipynb"].meta.old_addresses == [
        "/pillow-intro.html"]
    redirects = pybites.reader.site_redirects(["machine learning"], ["Best practices"], ["Bob"])
    assert redirects["/tag/machine-learning.html"] == "/tags/machine-learning"
    assert redirects["/category/best-practices.html"] == "/categories/best-practices"
    assert redirects["/feeds/best-practices.atom.xml"] == "/categories/best-practices/feed.xml"
    assert redirects["/feeds/all.rss.xml"] == "/rss.xml"
    assert redirects["/blog_index.html"] == "/"


def test_no_pelican_link_is_left_outside_code(pybites: Site) -> None:
    written = sum(len(re.findall(r"\{filename\}", (pybites.root / rel).read_text("utf-8")))
                  for rel in pybites.files if rel.endswith(".md"))
    translated = sum(read.translated.translated["filename"] for read in pybites.files.values())
    assert translated == written == 253
    for rel, read in pybites.files.items():
        assert not _MARKS.search(_outside_code(read.translated.raw.body)), rel
        assert not read.translated.left, rel


def test_images_are_paths_from_the_site_root(pybites: Site) -> None:
    bodies = "".join(read.translated.raw.body for read in pybites.files.values())
    addresses = re.findall(r"\]\((/content/images/[^)\s]+)", bodies)
    assert len(addresses) == 253
    assert all((pybites.root / address.lstrip("/")).is_file() for address in addresses)


def _outside_code(body: str) -> str:
    """The body without fenced blocks, indented blocks and code spans."""
    body = re.sub(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", "", body, flags=re.MULTILINE | re.DOTALL)
    lines = [line for line in body.split("\n") if not line.startswith(("    ", "\t"))]
    return re.sub(r"(`+).+?\1", "", "\n".join(lines), flags=re.DOTALL)
