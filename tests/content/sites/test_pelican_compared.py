"""The Pelican reader against Pelican itself: Pelican reads the fixture site (and the pybites
corpus) and says what it made of each file (slug, date, category, tags, authors, status, URL,
save-as path, the links in its HTML); Folio's reader must agree, but where Folio differs on
purpose (listed below).

Skipped where Pelican is not installed: set ``PELICAN_PYTHON`` to a Python that has it (a
throwaway venv: ``python3 -m venv /tmp/pelican-venv && /tmp/pelican-venv/bin/pip install
pelican markdown``), or install it beside Folio, or put its ``pelican`` on PATH.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from app.content import sites
from app.content.metadata import ArticleMeta, MetaSettings, normalise
from app.content.reader import decode
from app.content.sites import Translated
from app.content.slugs import slugify
from tests.conftest import CORPORA

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "pelican" / "basic"
# Pelican's view of each file it read, dumped once its generators have read everything (before
# anything is written, so no theme template is needed).
DUMP = r'''
import json, os, sys
from pelican import Pelican, signals
from pelican.settings import read_settings

config, out, override = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
settings = read_settings(config, override=override)


def item(content):
    def names(key):
        return [str(x) for x in getattr(content, key, [])]
    return {
        "source": content.get_relative_source_path(), "url": content.url,
        "save_as": content.save_as, "slug": getattr(content, "slug", None),
        "date": content.date.isoformat() if hasattr(content, "date") else None,
        "modified": content.modified.isoformat() if hasattr(content, "modified") else None,
        "category": str(content.category) if hasattr(content, "category") else None,
        "tags": names("tags"), "authors": names("authors"), "status": content.status,
        "content": content.content,
    }


def dump(generators):
    found = {}
    for generator in generators:
        for name in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages",
                     "draft_pages"):
            for content in getattr(generator, name, None) or []:
                found.setdefault(name, []).append(item(content))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(found, f)
    os._exit(0)


signals.all_generators_finalized.connect(dump)
Pelican(settings).run()
'''
# Folio differs on purpose: it skips hidden files (Pelican reads them when IGNORE_FILES is
# set without '.*'), renders no reStructuredText, and reads a --- block that is no Key: value
# lines as YAML (Pelican needs the pelican-yaml-metadata plugin for it).
ON_PURPOSE = {".hidden_file.md", "not_markdown.rst", "article_yaml_header.md"}


def pelican_python() -> str:
    if os.environ.get("PELICAN_PYTHON"):
        return os.environ["PELICAN_PYTHON"]
    if importlib.util.find_spec("pelican") is not None:
        return sys.executable
    command = shutil.which("pelican")
    if command is not None and (Path(command).parent / "python").exists():
        return str(Path(command).parent / "python")
    pytest.skip("Pelican is not installed (PELICAN_PYTHON names a Python that has it)")


def pelicans_view(site: Path, work: Path, config: str, override: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    copy = work / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".git", "output"))
    (work / "dump.py").write_text(DUMP, encoding="utf-8")
    out = work / "pelican.json"
    override = {"OUTPUT_PATH": str(work / "output"), **override}
    done = subprocess.run([pelican_python(), str(work / "dump.py"), config, str(out),
                           json.dumps(override)], cwd=copy, capture_output=True, text=True,
                          timeout=600, check=False)
    assert out.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(out.read_text(encoding="utf-8"))
    return [item for items in found.values() for item in items]


def folios_view(root: Path, rel: str) -> tuple[Translated, ArticleMeta]:
    site = sites.detect(root)
    reader = sites.reader_for(site.source)
    overrides = dict(site.overrides)
    overrides["static_dirs"] = tuple(overrides["static_dirs"])
    text, _ = decode((root / rel).read_bytes())
    companions = {path: decode((root / path).read_bytes())[0]
                  for path in reader.companions(rel) if (root / path).is_file()}
    translated = reader.read(text, rel, companions)
    meta, _ = normalise(translated.raw, rel.rsplit("/", 1)[-1],
                        replace(MetaSettings(), source=site.source, **overrides),
                        in_pages_folder=reader.is_page(rel))
    meta.old_addresses = list(dict.fromkeys(translated.addresses
                                            + reader.old_addresses(meta, rel)))
    return translated, meta


def differences(root: Path, theirs: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What Folio's reader makes of one file that Pelican made otherwise."""
    path = sites.detect(root).source.settings["PATH"]
    rel = theirs["source"] if path == "." else f"{path}/{theirs['source']}"
    translated, meta = folios_view(root, rel)
    mine = {
        "slug": translated.raw.meta.get("slug"),
        "date": meta.published_at,
        "modified": meta.updated_at,
        "category": meta.category,
        "tags": meta.tags,
        "authors": meta.authors,
        "status": meta.extra.get("status", "published"),
        "addresses": set(meta.old_addresses),
    }
    expected = {
        "slug": theirs["slug"],
        "date": _moment(theirs["date"]),
        "modified": _moment(theirs["modified"]),
        "category": theirs["category"] if meta.kind == "post" else None,
        "tags": _one_per_slug(theirs["tags"]),
        "authors": theirs["authors"],
        "status": theirs["status"],
        # A draft had no public address on the old site.
        "addresses": set() if theirs["status"] == "draft" else {
            "/" + theirs["url"], "/" + theirs["save_as"]},
    }
    return {key: (mine[key], expected[key]) for key in mine if mine[key] != expected[key]}


def _one_per_slug(tags: list[str]) -> list[str]:
    """Folio files Python and python under one tag, as Pelican's tag page did."""
    found: dict[str, str] = {}
    for tag in tags:
        found.setdefault(slugify(tag), tag)
    return list(found.values())


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@pytest.fixture(scope="module")
def fixture_view(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return pelicans_view(SITE, tmp_path_factory.mktemp("pelican"), "publishconf.py", {})


def test_pelican_read_the_files_folio_reads(fixture_view: list[dict[str, Any]]) -> None:
    reader = sites.reader_for(sites.detect(SITE).source)
    theirs = {f"content/{item['source']}" for item in fixture_view
              if item["source"] not in ON_PURPOSE}
    mine = {rel for rel in reader.discover(SITE)
            if not rel.endswith(".ipynb") and rel.rsplit("/", 1)[-1] not in ON_PURPOSE}
    assert mine == theirs


def test_each_file_is_read_as_pelican_read_it(fixture_view: list[dict[str, Any]]) -> None:
    found = {item["source"]: differences(SITE, item) for item in fixture_view
             if item["source"] not in ON_PURPOSE}
    assert {source: diff for source, diff in found.items() if diff} == {}


def test_links_lead_where_pelicans_did(fixture_view: list[dict[str, Any]]) -> None:
    urls = {f"/content/{item['source']}": "/" + item["url"] for item in fixture_view}
    [links] = [item for item in fixture_view if item["source"] == "links_filename_static.md"]
    theirs = [re.sub(r"^https://notes\.example\.org", "", address)
              for address in re.findall(r'(?:href|src)="([^"]+)"', links["content"])]
    translated, _ = folios_view(SITE, "content/links_filename_static.md")
    reader = sites.reader_for(sites.detect(SITE).source)
    mine = [address for address in re.findall(r'(?:\]\(|src="|\]: )([^)"\s]+)',
                                               translated.raw.body)
            if not address.startswith("{")]  # in code: not links
    assert len(mine) == len(theirs) == 12
    redirects = reader.site_redirects(["python"], ["Engines"], ["Ada Lovelace"])
    for folio, pelican in zip(mine, theirs, strict=True):
        if pelican.startswith("%7Bstatic%7D"):  # Pelican did not see it: its image broke
            assert folio == "/content/images/pixel.png"
            continue
        path, _, fragment = folio.partition("#")
        if path.endswith(".md"):
            assert urls[path] + (f"#{fragment}" if fragment else "") == pelican
        elif path.startswith("/content/"):
            assert path.removeprefix("/content") == pelican
        else:
            assert redirects.get(pelican, "/" if pelican == "/index.html" else None) == folio


def test_relative_addresses_lead_where_the_old_browser_read_them(
        fixture_view: list[dict[str, Any]]) -> None:
    [page] = [item for item in fixture_view
              if item["source"] == "pages/page_saved_elsewhere_relative_links.md"]
    served = "https://notes.example.org/" + page["save_as"]
    theirs = [urlsplit(urljoin(served, address)).path
              for address in re.findall(r'(?:href|src)="([^"]+)"', page["content"])
              if not address.startswith(("#", "https:"))]
    translated, _ = folios_view(SITE, "content/pages/page_saved_elsewhere_relative_links.md")
    mine = [address for address in re.findall(r'(?:\]\(|src=")([^)"\s]+)',
                                               translated.raw.body)
            if not address.startswith(("#", "https:"))]
    assert mine == theirs == ["/images/pixel.png", "/about-these-notes/", "/images/pixel.png",
                              "/images/pixel.png"]


@pytest.mark.corpora
def test_pybites_is_read_as_pelican_read_it(tmp_path: Path) -> None:
    root = CORPORA / "sites" / "pelican-pybites"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    view = pelicans_view(root, tmp_path, "publishconf.py",
                         {"THEME": "notmyidea", "PLUGINS": [], "PLUGIN_PATHS": []})
    assert len(view) == 387 + 37  # without the ipynb plugin, no notebooks
    found = {item["source"]: differences(root, item) for item in view}
    assert {source: diff for source, diff in found.items() if diff} == {}
