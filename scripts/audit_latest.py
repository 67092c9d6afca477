"""Audit a pip-compile lock against the advisories PyPI publishes for each project's latest release.

scripts/audit.sh runs this where pip-audit cannot work: PyPI's per-release JSON API
(/pypi/<name>/<version>/json) is not served and OSV is unreachable, but the project JSON
(/pypi/<name>/json) is. That page lists `vulnerabilities` only for the project's latest release.
What fails the run is a known vulnerability, never the calendar:

- a pin of the latest release is audited: each advisory listed for it (withdrawn ones ignored,
  aliases merged as pip-audit does) is a finding;
- a pin of an older release is affected by every advisory the latest release still has, unless
  the advisory names a fix at or below the pin: those are findings too. Whatever was fixed
  between the pin and the latest release is not listed here, so such a pin is reported as
  "a newer release exists; not fully audited here", which does not fail the run: a release
  published upstream must not turn a green lock red. `scripts/lock.sh --upgrade-package NAME`
  moves a pin on purpose, and pip-audit audits it fully wherever the per-release API answers;
- a project page that cannot be fetched, or carries no `vulnerabilities` field, is reported as
  "cannot be audited here", which does not fail the run either.

Exits 1 on a finding, 0 otherwise (with what could not be audited said on stdout); 2 when the
lock cannot be read, holds no pins, or holds a requirement that is not a `==` pin.

    python scripts/audit_latest.py [requirements.lock]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

PROJECT_URL = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 30  # seconds per request
ATTEMPTS = 3  # per project; a 404 is not retried
WORKERS = 8
USER_AGENT = "folio-audit (scripts/audit_latest.py)"
SOURCE = "PyPI's latest-release advisories"

# pip's own rule: `#` starts a comment at the start of a line or after whitespace.
COMMENT = re.compile(r"(^|\s+)#.*$")
PIN = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?"
                 r"\s*==\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)")
# Options that bring in requirements this parser would not see: refused rather than skipped.
INCLUDES = re.compile(r"^(-r|-c|-e|--requirement|--constraint|--editable)\b")

Opener = Callable[..., Any]


class LockError(Exception):
    """The lock cannot be read, or holds a requirement that is not a `name==version` pin."""


class FetchError(Exception):
    """PyPI's project JSON for one package could not be fetched or read."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Pin:
    name: str  # canonical (PEP 503)
    version: str
    line: int


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: frozenset[str]
    fixed_in: tuple[str, ...]

    def __str__(self) -> str:
        aliases = f" ({', '.join(sorted(self.aliases))})" if self.aliases else ""
        fixed = f"fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "no fix released"
        return f"{self.id}{aliases} {fixed}"


@dataclass
class Verdict:
    pin: Pin
    advisories: list[Advisory] = field(default_factory=list)  # findings: fail the run
    unaudited: str | None = None  # why the pin could not be audited (reported, not failed)
    newer: str | None = None  # the latest release, when the pin is older (reported)


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) for each requirement line: comments dropped, lines
    continued with a trailing backslash joined, blank lines skipped."""
    parts: list[str] = []
    start = 0
    for number, physical in enumerate(text.splitlines(), start=1):
        line = COMMENT.sub("", physical)
        if not parts:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        joined = " ".join(part.strip() for part in parts).strip()
        parts = []
        if joined:
            yield start, joined
    joined = " ".join(part.strip() for part in parts).strip()
    if joined:
        yield start, joined


def parse_pins(text: str) -> list[Pin]:
    """Every `name==version` pin of a pip requirements file (pip-compile's format: hashes,
    markers, comments), in file order. Options such as --index-url are skipped.

    Raises LockError for a requirement that is not pinned with `==` (a range, a URL, an
    editable), for an included file, or for a file with no pins: none could be audited.
    """
    pins = []
    for number, line in logical_lines(text):
        if INCLUDES.match(line):
            raise LockError(f"line {number}: {line.split()[0]} includes requirements "
                            "this audit would not see")
        if line.startswith("-"):
            continue
        requirement = line.split(" --", 1)[0].split(";", 1)[0].strip()
        match = PIN.fullmatch(requirement)
        if not match:
            raise LockError(f"line {number}: {requirement!r} is not pinned with ==")
        pins.append(Pin(canonical_name(match[1]), match[2], number))
    if not pins:
        raise LockError("holds no pins")
    return pins


def same_version(a: str, b: str) -> bool:
    """Whether two version strings name the same release. Only the cases pip-compile and PyPI
    differ on are normalised (case, a leading v, trailing .0): a false "differ" fails closed."""
    a, b = (v.strip().lower().removeprefix("v") for v in (a, b))
    if re.fullmatch(r"\d+(\.\d+)*", a) and re.fullmatch(r"\d+(\.\d+)*", b):
        release_a, release_b = ([int(n) for n in v.split(".")] for v in (a, b))
        while len(release_a) > 1 and release_a[-1] == 0:
            release_a.pop()
        while len(release_b) > 1 and release_b[-1] == 0:
            release_b.pop()
        return release_a == release_b
    return a == b


def fetch_project(name: str, *, opener: Opener = urllib.request.urlopen,
                  attempts: int = ATTEMPTS, pause: float = 1.0) -> dict[str, Any]:
    """PyPI's project JSON for `name`, retried on timeouts, dropped connections, 429 and 5xx.

    Raises FetchError, naming the package, when PyPI does not know it or does not answer.
    """
    request = urllib.request.Request(PROJECT_URL.format(name=name),
                                     headers={"User-Agent": USER_AGENT,
                                              "Accept": "application/json"})
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            with opener(request, timeout=TIMEOUT) as response:
                project = json.load(response)
            if not isinstance(project, dict) or "info" not in project:
                raise ValueError("not a project JSON document")
            return project
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 404:
                raise FetchError(name, f"not found on PyPI ({request.full_url})") from error
            problem = f"HTTP {error.code}"
            if error.code != 429 and error.code < 500:
                break
        except (OSError, http.client.HTTPException, ValueError) as error:
            # URLError, timeouts and reset connections are OSErrors; a truncated body, ValueError.
            problem = str(getattr(error, "reason", error)) or type(error).__name__
        if attempt < attempts:
            time.sleep(pause * attempt)
    raise FetchError(name, f"{request.full_url} failed after {attempt} "
                           f"attempt{plural(attempt)} ({problem})")


def advisories(vulnerabilities: list[dict[str, Any]]) -> list[Advisory]:
    """The live advisories of a `vulnerabilities` list, one per issue: withdrawn entries are
    dropped and entries sharing an ID or alias merged, a PYSEC ID kept first (as pip-audit)."""
    live = [v for v in vulnerabilities if not v.get("withdrawn")]
    live.sort(key=lambda v: not str(v["id"]).startswith("PYSEC"))
    merged: list[Advisory] = []
    for entry in live:
        names = {entry["id"], *(entry.get("aliases") or ())}
        fixed = tuple(entry.get("fixed_in") or ())
        for index, seen in enumerate(merged):
            if names & (seen.aliases | {seen.id}):
                merged[index] = Advisory(
                    seen.id, frozenset((seen.aliases | names) - {seen.id}),
                    seen.fixed_in + tuple(f for f in fixed if f not in seen.fixed_in))
                break
        else:
            merged.append(Advisory(entry["id"], frozenset(names - {entry["id"]}), fixed))
    return merged


def judge(pin: Pin, project: dict[str, Any]) -> Verdict:
    """Audit one pin against its project JSON: see the module's policy."""
    latest = str(project["info"].get("version") or "")
    vulnerabilities = project.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        return Verdict(pin, unaudited="cannot be audited here: PyPI's project JSON carries "
                                      "no vulnerabilities field")
    found = advisories(vulnerabilities)
    if same_version(pin.version, latest):
        return Verdict(pin, advisories=found)
    return Verdict(pin, advisories=[a for a in found if not fixed_at_or_below(a, pin.version)],
                   newer=latest or "unknown")


def fixed_at_or_below(advisory: Advisory, pinned: str) -> bool:
    """Whether the advisory names a fix no newer than the pin (another release line's fix)."""
    try:
        pin = Version(pinned)
    except InvalidVersion:
        return False  # cannot compare: count the pin as affected
    for fix in advisory.fixed_in:
        try:
            if Version(fix) <= pin:
                return True
        except InvalidVersion:
            continue
    return False


def audit(pins: list[Pin], fetch: Callable[[str], dict[str, Any]] = fetch_project
          ) -> list[Verdict]:
    """A verdict for each pin, in order; each project is fetched once, a few at a time."""
    names = sorted({pin.name for pin in pins})

    def fetch_or_error(name: str) -> dict[str, Any] | FetchError:
        try:
            return fetch(name)
        except FetchError as error:
            return error

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        projects = dict(zip(names, pool.map(fetch_or_error, names), strict=True))
    verdicts = []
    for pin in pins:
        project = projects[pin.name]
        if isinstance(project, FetchError):
            verdicts.append(Verdict(pin, unaudited=f"cannot be audited here: {project.reason}"))
        else:
            verdicts.append(judge(pin, project))
    return verdicts


def report(verdicts: list[Verdict]) -> tuple[list[str], str]:
    """The finding and notice lines, and the one-line summary."""
    lines = []
    for verdict in verdicts:
        pin = verdict.pin
        lines += [f"{pin.name} {pin.version}: {advisory}" for advisory in verdict.advisories]
        if verdict.unaudited:
            lines.append(f"{pin.name} {pin.version}: {verdict.unaudited}")
        if verdict.newer:
            lines.append(f"{pin.name} {pin.version}: a newer release exists ({verdict.newer}); "
                         "only the advisories it still has are checked here "
                         f"(scripts/lock.sh --upgrade-package {pin.name} moves the pin)")
    found = sum(len(v.advisories) for v in verdicts)
    affected = sum(1 for v in verdicts if v.advisories)
    unaudited = sum(1 for v in verdicts if v.unaudited)
    older = sum(1 for v in verdicts if v.newer)
    audited = len(verdicts) - unaudited
    scope = (f"{audited} pin{plural(audited)}" if not unaudited
             else f"{audited} of {len(verdicts)} pins")
    outcome = (f"{found} known vulnerabilit{'ies' if found > 1 else 'y'} "
               f"in {affected} package{plural(affected)}" if found
               else "no known vulnerabilities")
    notes = []
    if older:
        notes.append(f"{older} pin{plural(older)} behind the latest release")
    if unaudited:
        notes.append(f"{unaudited} pin{plural(unaudited)} cannot be audited here")
    details = f" ({'; '.join(notes)}: reported, not failed)" if notes else ""
    return lines, f"audited {scope} against {SOURCE}: {outcome}{details}"


def plural(count: int) -> str:
    return "" if count == 1 else "s"


def main(argv: list[str] | None = None,
         fetch: Callable[[str], dict[str, Any]] = fetch_project) -> int:
    """Audit the lock named in ``argv`` with ``fetch`` (PyPI by default); the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("lock", nargs="?", type=Path, default=Path("requirements.lock"))
    args = parser.parse_args(argv)
    try:
        pins = parse_pins(args.lock.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, LockError) as error:
        print(f"audit: {args.lock}: {error}", file=sys.stderr)
        return 2
    verdicts = audit(pins, fetch)
    lines, summary = report(verdicts)
    print(*lines, summary, sep="\n")
    return 1 if any(v.advisories for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
