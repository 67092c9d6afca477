"""Checkers for the browser and validator tests: the Nu HTML Checker, the sitemaps.org schema and
axe-core, all from ``tests/tools/node_modules``, which ``scripts/test.sh`` installs from the lock
file.

A test that needs a tool calls :func:`require` (the checkers here call it themselves): a missing
tool skips the test with a hint, or fails it when ``CI`` is set, since CI must run every check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import pytest
from lxml import etree

if TYPE_CHECKING:
    from playwright.sync_api import Page

TOOLS = Path(__file__).resolve().parent / "tools"
NODE_MODULES = TOOLS / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
# The npm `sitemap` package ships the sitemaps.org 0.9 schema unchanged.
SITEMAP_XSD = NODE_MODULES / "sitemap" / "schema" / "sitemap.xsd"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# The checker overflows the default stack on deeply nested markup (its advice: -Xss512k or more);
# for a run of seconds the quick compiler alone is faster than waiting for the optimising one.
JAVA_OPTIONS = ("-Xss4m", "-XX:TieredStopAtLevel=1")
VNU_TIMEOUT = 600


def chromium_path() -> Path:
    """Debian's Chromium, or the browser named by ``FOLIO_CHROMIUM``."""
    return Path(os.environ.get("FOLIO_CHROMIUM", "/usr/bin/chromium"))


def _missing_file(path: Path, package: str) -> Callable[[], str | None]:
    return lambda: None if path.is_file() else f"{path} is missing (npm package {package})"


def _missing_java() -> str | None:
    return None if shutil.which("java") else "no `java` on PATH (Debian: default-jre-headless)"


def _missing_chromium() -> str | None:
    path = chromium_path()
    if path.is_file() and os.access(path, os.X_OK):
        return None
    return f"no Chromium at {path} (Debian: chromium, or set FOLIO_CHROMIUM)"


_CHECKS: dict[str, Sequence[Callable[[], str | None]]] = {
    "vnu": (_missing_java, _missing_file(VNU_JAR, "vnu-jar")),
    "axe": (_missing_file(AXE_JS, "axe-core"),),
    "sitemap-schema": (_missing_file(SITEMAP_XSD, "sitemap"),),
    "chromium": (_missing_chromium,),
}


def require(*tools: str) -> None:
    """Stop the calling test unless every named tool ("vnu", "axe", "sitemap-schema",
    "chromium") is installed: ``pytest.fail`` when ``CI`` is set, ``pytest.skip`` otherwise."""
    problems = [problem for tool in tools for check in _CHECKS[tool] if (problem := check())]
    if not problems:
        return
    message = "; ".join(problems) + ". Run scripts/test.sh, which installs the test tools."
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def vnu_errors(documents: Mapping[str, str]) -> dict[str, list[str]]:
    """Check HTML documents (name -> markup) with the Nu HTML Checker in a single Java run, since
    the JVM takes about a second to start. Returns every name with its errors as
    ``"line L, column C: message (extract)"``, an empty list when the document is valid.
    Warnings are left out. Raises RuntimeError when the checker gives no usable report.

    The documents are checked as files, so each must declare its encoding (``<meta charset>``)."""
    require("vnu")
    if not documents:
        return {}
    with tempfile.TemporaryDirectory(prefix="folio-vnu-") as folder:
        files: dict[str, str] = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{number:05d}.html"
            path.write_text(html, encoding="utf-8")
            files[path.name] = name
        command = [str(shutil.which("java")), *JAVA_OPTIONS, "-jar", str(VNU_JAR),
                   "--format", "json", "--exit-zero-always", "--stdout",
                   *(str(Path(folder) / file) for file in files)]
        completed = subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                                   timeout=VNU_TIMEOUT, check=False)
    try:
        messages = json.loads(completed.stdout)["messages"]
    except (ValueError, KeyError) as error:
        raise RuntimeError(f"vnu.jar gave no JSON report (exit {completed.returncode}): "
                           f"{completed.stderr.strip() or completed.stdout.strip()}") from error
    errors: dict[str, list[str]] = {name: [] for name in documents}
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        file = str(message.get("url", "")).rsplit("/", 1)[-1]
        if file not in files:
            raise RuntimeError(f"vnu.jar reported on no document of ours: {message}")
        errors[files[file]].append(_describe_vnu_message(message))
    return errors


def _describe_vnu_message(message: Mapping[str, Any]) -> str:
    where = f"line {message.get('lastLine', '?')}, column {message.get('firstColumn', '?')}"
    extract = " ".join(str(message.get("extract", "")).split())
    return f"{where}: {message.get('message', '')}" + (f" ({extract})" if extract else "")


@cache
def _sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))


def sitemap_schema_errors(xml: bytes) -> list[str]:
    """Validate a sitemap against the sitemaps.org 0.9 schema (``urlset``); returns the problems
    as ``"line N: message"``, an empty list when it is valid. Malformed XML is one problem."""
    require("sitemap-schema")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return [f"line {error.lineno}: {error.msg}"]
    schema = _sitemap_schema()
    if schema.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]


class AxeNode(TypedDict):
    target: str
    html: str
    summary: str


class AxeViolation(TypedDict):
    id: str
    impact: str | None
    help: str
    help_url: str
    nodes: list[AxeNode]


def axe_violations(page: Page, tags: Sequence[str] = WCAG_TAGS) -> list[AxeViolation]:
    """Run axe-core on the page as it stands, with only the rules carrying one of ``tags``;
    returns the violations with the offending nodes (CSS selector, markup, what to fix)."""
    require("axe")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the site's Content-Security-Policy
        # (script-src 'none') does not govern, as it would a <script> added to the page.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        list(tags),
    )
    return [
        AxeViolation(
            id=violation["id"], impact=violation.get("impact"), help=violation["help"],
            help_url=violation["helpUrl"],
            nodes=[AxeNode(target=" ".join(map(str, node["target"])), html=node["html"],
                           summary=node.get("failureSummary") or "")
                   for node in violation["nodes"]],
        )
        for violation in results["violations"]
    ]


def format_violations(violations: Sequence[AxeViolation]) -> str:
    """A readable report of axe violations, for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}"
                     f" <{violation['help_url']}>")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"  {node['target']}: {node['html']}\n    {summary}")
    return "\n".join(lines)
