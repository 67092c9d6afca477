"""Asking Hugo itself: build a site with the probe layouts (tests/fixtures/sites/hugo/
probe_layouts), which write what Hugo published as JSON, and collect the redirect pages
Hugo writes for aliases. Tests using it skip where ``hugo`` is not installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROBE_LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "hugo" / \
    "probe_layouts"


@dataclass
class HugoOutput:
    pages: list[dict[str, Any]]  # every page Hugo published, as the probe layout wrote it
    aliases: set[str]  # the paths of the redirect pages it wrote, from the publish folder

    def by_file(self, kind: str = "page") -> dict[str, dict[str, Any]]:
        """The published pages of ``kind``, by their path inside the content folder."""
        return {page["file"]: page for page in self.pages
                if page["kind"] == kind and page["file"] and page["path"]}


def build(site: Path, work: Path) -> HugoOutput:
    """``site`` built by Hugo in ``work`` (a copy, with the site's own layouts but its
    shortcodes replaced by the probe's)."""
    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.skip("hugo is not installed")
    source, public = work / "source", work / "public"
    shutil.copytree(site, source, ignore=shutil.ignore_patterns(".git"))
    layouts = source / "layouts"
    shortcodes = layouts / "shortcodes"
    if layouts.is_dir():
        for entry in layouts.iterdir():
            if entry != shortcodes:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(PROBE_LAYOUTS, layouts, dirs_exist_ok=True)
    done = subprocess.run([hugo, "--source", str(source), "--destination", str(public),
                           "--quiet"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    pages = json.loads((public / "index.html").read_text(encoding="utf-8"))
    aliases = set()
    for path in public.rglob("*.html"):
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8", errors="replace"):
            aliases.add("/" + path.relative_to(public).as_posix().removesuffix("index.html"))
    return HugoOutput(pages, aliases)


def rendered_links(work: Path, path: str) -> list[str]:
    """The ``href`` of each link on the page Hugo published at ``path`` (from the site's
    root), in order."""
    page = (work / "public" / path.lstrip("/") / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<a href="([^"]*)"', page)
