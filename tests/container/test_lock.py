"""The lock files: requirements.lock (what the image and scripts/serve.sh install) and
requirements-dev.lock (what scripts/test.sh and CI install). Both must satisfy pyproject's
requirements, agree with each other, pin every package with hashes, and be what every install
uses. requirements.lock must pass the audit (scripts/audit.sh, run by scripts/test.sh): pip-audit
where PyPI's per-release JSON API answers, scripts/audit_latest.py where it does not; only a known
vulnerability fails it, never a newer release upstream."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import subprocess
import tomllib
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from scripts.audit_latest import (
    FetchError,
    LockError,
    Pin,
    fetch_project,
    judge,
    main,
    parse_pins,
    report,
    same_version,
)
from tests.conftest import REPO

LOCK = REPO / "requirements.lock"
DEV_LOCK = REPO / "requirements-dev.lock"
EXTRAS = ("postgres", "redis")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
# Jinja2 2.10: a sandbox escape (CVE-2019-10906, PYSEC-2019-217) and later XSS fixes.
OLD_RELEASE_LOCK = """jinja2==2.10 \\
    --hash=sha256:74c935a1b8bb9a3947c50a54766a969d4846290e1e788ea44c1392163723c3bd
"""
# PyCrypto 2.6.1 is its project's last release, and PyPI lists advisories against it.
VULNERABLE_LATEST_LOCK = """pycrypto==2.6.1 \\
    --hash=sha256:f2ce1e989b272cfcb677616763e0a2e7ec659effa67a88aa92b3a65528f60a3c
"""
PIP_AUDIT = "audit: pip-audit on "
FALLBACK = "audit: scripts/audit_latest.py on "


def requirements(*extras: str, runtime: bool = True) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"]) if runtime else []
    lines += [line for extra in extras for line in project["optional-dependencies"][extra]]
    return [Requirement(line) for line in lines]


def runtime_requirements() -> list[Requirement]:
    return requirements(*EXTRAS)


@cache
def lock_pins(lock: Path) -> dict[str, Version]:
    return {canonicalize_name(name): Version(version)
            for name, version in PIN.findall(lock.read_text())}


def pins() -> dict[str, Version]:
    return lock_pins(LOCK)


def assert_pinned_within(lock: Path, requirement: Requirement) -> None:
    name, pinned = canonicalize_name(requirement.name), lock_pins(lock)
    assert name in pinned, f"{requirement} is not in {lock.name} (run scripts/lock.sh)"
    assert requirement.specifier.contains(pinned[name], prereleases=True), (
        f"{lock.name} pins {name}=={pinned[name]}, outside {requirement} (run scripts/lock.sh)")


@pytest.mark.parametrize("requirement", runtime_requirements(), ids=str)
def test_lock_pins_each_runtime_requirement_within_its_specifier(
        requirement: Requirement) -> None:
    assert_pinned_within(LOCK, requirement)


@pytest.mark.parametrize("requirement", requirements(*EXTRAS, "dev"), ids=str)
def test_dev_lock_pins_each_requirement_within_its_specifier(requirement: Requirement) -> None:
    assert_pinned_within(DEV_LOCK, requirement)


def test_dev_lock_agrees_with_the_runtime_lock() -> None:
    """The tests run on exactly what the image ships: same packages, same versions."""
    runtime, dev = lock_pins(LOCK), lock_pins(DEV_LOCK)
    assert {name: dev.get(name) for name in runtime} == runtime


def test_agreement_checks_fail_on_a_disagreeing_lock(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("markdown==2.6.11 \\\n    --hash=sha256:00\n")
    with pytest.raises(AssertionError, match=r"pins markdown==2\.6\.11, outside Markdown"):
        assert_pinned_within(lock, Requirement("Markdown>=3.6,<4"))
    with pytest.raises(AssertionError, match=r"Flask-Login>=0\.6 is not in requirements\.lock"):
        assert_pinned_within(lock, Requirement("Flask-Login>=0.6"))


@pytest.mark.parametrize("script", ["serve.sh", "test.sh"])
def test_every_install_uses_a_lock(script: str) -> None:
    """serve.sh and test.sh install through bootstrap.sh, which installs a lock file with
    hashes and never a range from pyproject.toml; the image installs requirements.lock."""
    text = (REPO / "scripts" / script).read_text()
    assert re.search(r"^bash scripts/bootstrap\.sh( dev)?$", text, re.MULTILINE)
    bootstrap = (REPO / "scripts" / "bootstrap.sh").read_text()
    assert "install --quiet --require-hashes --no-deps -r \"$lock\"" in bootstrap
    assert "lock=requirements.lock" in bootstrap and "lock=requirements-dev.lock" in bootstrap
    assert not re.search(r"install[^\n]*-e \"?\.\[", bootstrap), "a range install"
    assert "--no-deps --no-build-isolation -e ." in bootstrap
    assert "--upgrade" not in bootstrap
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "-r /tmp/requirements.lock" in dockerfile


def test_lock_pins_what_the_extras_bring() -> None:
    # psycopg[binary]: the compiled driver, so the image needs no libpq and no compiler.
    assert pins()["psycopg-binary"] == pins()["psycopg"]


@pytest.mark.parametrize("lock", [LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_every_package_is_pinned_with_hashes(lock: Path) -> None:
    entries: list[list[str]] = []
    for line in lock.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            if line[0].isspace():
                entries[-1].append(line)
            else:
                entries.append([line])
    assert len(entries) == len(lock_pins(lock))
    for first, *rest in entries:
        assert PIN.match(first), f"not pinned with ==: {first}"
        assert any("--hash=sha256:" in line for line in rest), f"no hash: {first}"
    assert not re.search(r"^\s*(-e|--index-url|--extra-index-url|--find-links)\b",
                         lock.read_text(), re.MULTILINE), "the lock must not name an index"


def test_dev_lock_pins_the_build_tools() -> None:
    """The project is installed without build isolation, with the setuptools pinned here
    (an isolated build would fetch the newest), and pip itself is pinned."""
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    for line in build:
        assert_pinned_within(DEV_LOCK, Requirement(line))
    assert "pip" in lock_pins(DEV_LOCK)


def test_lock_holds_no_development_tools() -> None:
    assert not {"pytest", "ruff", "mypy", "pip-audit", "pip-tools", "hypothesis"} & set(pins())


def test_locks_name_their_regeneration_command() -> None:
    for lock in (LOCK, DEV_LOCK):
        assert "#    scripts/lock.sh\n" in lock.read_text()
    script = (REPO / "scripts" / "lock.sh").read_text()
    for option in ("--generate-hashes", "--extra postgres --extra redis --output-file "
                   "requirements.lock", "--extra dev --constraint requirements.lock",
                   "--output-file requirements-dev.lock"):
        assert option in script


PIP_COMPILE_ENTRY = """#
# This file is autogenerated by pip-compile with Python 3.11
#
Jinja2==3.1.6 \\
    --hash=sha256:0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d \\
    --hash=sha256:85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67
    # via
    #   flask
    #   folio (pyproject.toml)
typing_extensions==4.16.0 ; python_version < "3.13" \\
    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
"""


def test_parse_pins_reads_pip_compile_entries() -> None:
    assert parse_pins(PIP_COMPILE_ENTRY) == [Pin("jinja2", "3.1.6", 4),
                                             Pin("typing-extensions", "4.16.0", 10)]


def test_parse_pins_reads_the_whole_lock() -> None:
    found = parse_pins(LOCK.read_text())
    assert {pin.name: Version(pin.version) for pin in found} == pins()
    assert len(found) == len(pins())


@pytest.mark.parametrize(("text", "expected"), [
    ("psycopg[binary]==3.3.9\n", ("psycopg", "3.3.9")),
    ("Flask_SQLAlchemy == 3.1.1  # an inline comment\n", ("flask-sqlalchemy", "3.1.1")),
    ("--index-url https://pypi.org/simple\n--require-hashes\nredis==8.1.0\n", ("redis", "8.1.0")),
    ("nh3==0.3.8 \\\n    --hash=sha256:00", ("nh3", "0.3.8")),
], ids=["extras", "spaces-and-comment", "options-skipped", "no-final-newline"])
def test_parse_pins_edge_cases(text: str, expected: tuple[str, str]) -> None:
    [pin] = parse_pins(text)
    assert (pin.name, pin.version) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("flask>=3.0\n", "'flask>=3.0' is not pinned with =="),
    ("flask==3.*\n", "'flask==3.*' is not pinned with =="),
    ("folio @ file:///src\n", "is not pinned with =="),
    ("-r base.txt\n", "line 1: -r includes requirements"),
    ("flask==3.1.3\n-e .\n", "line 2: -e includes requirements"),
    ("# only comments\n\n", "holds no pins"),
], ids=["range", "wildcard", "url", "include", "editable", "empty"])
def test_parse_pins_refuses_what_it_could_not_audit(text: str, problem: str) -> None:
    with pytest.raises(LockError, match=re.escape(problem)):
        parse_pins(text)


@pytest.mark.parametrize(("a", "b", "same"), [
    ("2.6.1", "2.6.1", True), ("1.3", "1.3.0", True), ("v2.0", "2", True),
    ("2.10", "2.10.1", False), ("3.1.6rc1", "3.1.6", False), ("1.0.POST1", "1.0.post1", True),
])
def test_same_version(a: str, b: str, same: bool) -> None:
    assert same_version(a, b) is same


def advisory(id_: str, *aliases: str, fixed_in: tuple[str, ...] = (),
             withdrawn: str | None = None) -> dict[str, object]:
    return {"id": id_, "aliases": list(aliases), "fixed_in": list(fixed_in),
            "withdrawn": withdrawn}


def project(latest: str, *vulnerabilities: dict[str, object]) -> dict[str, object]:
    return {"info": {"version": latest}, "vulnerabilities": list(vulnerabilities)}


def test_judge_reports_the_latest_release_advisories_once_each() -> None:
    verdict = judge(Pin("ecdsa", "0.19.2", 1), project(
        "0.19.2",
        advisory("GHSA-wj6h-64fc-37mp", "CVE-2024-23342", "PYSEC-2026-1325"),
        advisory("PYSEC-2026-1325", "CVE-2024-23342", "GHSA-wj6h-64fc-37mp", fixed_in=("0.20",)),
        advisory("PYSEC-2020-1", withdrawn="2021-01-01T00:00:00Z")))
    lines, summary = report([verdict])
    assert lines == ["ecdsa 0.19.2: PYSEC-2026-1325 (CVE-2024-23342, GHSA-wj6h-64fc-37mp) "
                     "fixed in 0.20"]
    assert summary == ("audited 1 pin against PyPI's latest-release advisories: "
                       "1 known vulnerability in 1 package")


def test_judge_reports_an_older_release_without_failing() -> None:
    """A release published upstream after the lock was written is news, not a failure."""
    verdict = judge(Pin("markdown", "3.11.3", 1), project("3.11.4"))
    assert not verdict.advisories and verdict.newer == "3.11.4"
    assert report([verdict]) == (
        ["markdown 3.11.3: a newer release exists (3.11.4); only the advisories it still has "
         "are checked here (scripts/lock.sh --upgrade-package markdown moves the pin)"],
        "audited 1 pin against PyPI's latest-release advisories: no known vulnerabilities "
        "(1 pin behind the latest release: reported, not failed)")


def test_judge_counts_an_older_pin_as_affected_by_what_the_latest_still_has() -> None:
    unfixed = advisory("GHSA-aaaa-bbbb-cccc", "CVE-2026-0001")
    fixed_later = advisory("PYSEC-2026-7", fixed_in=("9.0",))
    other_line = advisory("PYSEC-2026-8", fixed_in=("1.4.2", "2.1"))  # 1.x got its own fix
    verdict = judge(Pin("example", "1.4.3", 1), project("2.0", unfixed, fixed_later, other_line))
    assert [a.id for a in verdict.advisories] == ["PYSEC-2026-7", "GHSA-aaaa-bbbb-cccc"]
    _, summary = report([verdict])
    assert summary.startswith("audited 1 pin against PyPI's latest-release advisories: "
                              "2 known vulnerabilities in 1 package")


def write_lock(folder: Path, *pins: tuple[str, str]) -> Path:
    lock = folder / "requirements.lock"
    lock.write_text("".join(f"{name}=={version} \\\n    --hash=sha256:{'0' * 64}\n"
                            for name, version in pins))
    return lock


def test_a_lock_one_release_behind_still_passes(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The day after the lock was written, upstream published a release of each pin."""
    lock = write_lock(tmp_path, ("markdown", "3.11.3"), ("redis", "8.1.0"))
    latest = {"markdown": "3.11.4", "redis": "8.2.0"}
    assert main([str(lock)], fetch=lambda name: project(latest[name])) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("markdown 3.11.3: a newer release exists (3.11.4)")
    assert out[-1] == ("audited 2 pins against PyPI's latest-release advisories: no known "
                       "vulnerabilities (2 pins behind the latest release: reported, not failed)")


def test_a_lock_one_release_behind_fails_on_a_vulnerability_the_latest_still_has(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = write_lock(tmp_path, ("markdown", "3.11.3"))
    answer = project("3.11.4", advisory("GHSA-xxxx-yyyy-zzzz"))
    assert main([str(lock)], fetch=lambda name: answer) == 1
    assert "markdown 3.11.3: GHSA-xxxx-yyyy-zzzz no fix released" in capsys.readouterr().out


def test_a_package_that_cannot_be_looked_up_is_reported_not_failed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = write_lock(tmp_path, ("flask", "3.1.3"), ("private-thing", "1.0"))

    def fetch(name: str) -> dict[str, object]:
        if name == "private-thing":
            raise FetchError(name, "not found on PyPI")
        return project("3.1.3")

    assert main([str(lock)], fetch=fetch) == 0
    out = capsys.readouterr().out.splitlines()
    assert "private-thing 1.0: cannot be audited here: not found on PyPI" in out
    assert out[-1].endswith("(1 pin cannot be audited here: reported, not failed)")


def test_judge_cannot_audit_without_a_vulnerabilities_field() -> None:
    verdict = judge(Pin("flask", "3.1.3", 1), {"info": {"version": "3.1.3"}})
    assert verdict.unaudited and not verdict.advisories


def test_report_summarises_a_clean_audit() -> None:
    verdicts = [judge(Pin("flask", "3.1.3", 1), project("3.1.3")),
                judge(Pin("redis", "8.1.0", 5), project("8.1.0"))]
    assert report(verdicts) == (
        [], "audited 2 pins against PyPI's latest-release advisories: no known vulnerabilities")


def test_fetch_project_retries_then_answers() -> None:
    answers: list[object] = [urllib.error.URLError("timed out"), TimeoutError(),
                             io.BytesIO(json.dumps(project("3.1.3")).encode())]

    def opener(request: urllib.request.Request, timeout: float) -> io.BytesIO:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, io.BytesIO)
        return answer

    assert fetch_project("flask", opener=opener, pause=0)["info"] == {"version": "3.1.3"}
    assert not answers


def test_fetch_project_names_the_package_it_could_not_fetch() -> None:
    calls: list[str] = []

    def opener(request: urllib.request.Request, timeout: float) -> io.BytesIO:
        calls.append(request.full_url)
        raise urllib.error.HTTPError(request.full_url, 503, "Service Unavailable",
                                     http.client.HTTPMessage(), io.BytesIO())

    with pytest.raises(FetchError, match=r"^flask: .*/pypi/flask/json failed after 3 attempts "
                                         r"\(HTTP 503\)$"):
        fetch_project("flask", opener=opener, pause=0)
    assert len(calls) == 3


def test_fetch_project_does_not_retry_an_unknown_package() -> None:
    calls: list[str] = []

    def opener(request: urllib.request.Request, timeout: float) -> io.BytesIO:
        calls.append(request.full_url)
        raise urllib.error.HTTPError(request.full_url, 404, "Not Found",
                                     http.client.HTTPMessage(), io.BytesIO())

    with pytest.raises(FetchError, match="^no-such-package: not found on PyPI"):
        fetch_project("no-such-package", opener=opener, pause=0)
    assert len(calls) == 1


def require_pypi() -> None:
    """Both audits ask pypi.org; where it cannot be reached at all, skip (fail on CI)."""
    try:
        with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=30):
            return
    except OSError as error:  # URLError and HTTPError included
        if isinstance(error, urllib.error.HTTPError):
            error.close()
        message = f"pypi.org is unreachable ({error}): nothing can be audited"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def run_audit(*args: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """scripts/audit.sh's chosen path ("pip-audit" or "fallback") and its result."""
    require_pypi()
    result = subprocess.run(["bash", "scripts/audit.sh", *args], cwd=REPO, capture_output=True,
                            text=True, timeout=300, check=False)
    if PIP_AUDIT in result.stderr:
        return "pip-audit", result
    assert FALLBACK in result.stderr, result.stderr
    return "fallback", result


def test_audit_passes_the_lock() -> None:
    path, result = run_audit()
    assert result.returncode == 0, result.stdout + result.stderr
    if path == "fallback":
        assert re.fullmatch(
            rf"audited {len(pins())} pins against PyPI's latest-release advisories: "
            r"no known vulnerabilities( \(\d+ pins? behind the latest release: reported, "
            r"not failed\))?", result.stdout.splitlines()[-1]), result.stdout


def test_audit_fails_on_a_vulnerable_latest_release(tmp_path: Path) -> None:
    lock = tmp_path / "vulnerable.lock"
    lock.write_text(VULNERABLE_LATEST_LOCK)
    _, result = run_audit(str(lock))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PYSEC-2017-94" in result.stdout


def test_audit_of_an_old_release(tmp_path: Path) -> None:
    """pip-audit knows what was fixed since Jinja2 2.10 and fails; PyPI's latest-release
    advisories cannot say, so the fallback reports the pin and passes."""
    lock = tmp_path / "old.lock"
    lock.write_text(OLD_RELEASE_LOCK)
    path, result = run_audit(str(lock))
    if path == "pip-audit":
        assert result.returncode == 1, result.stdout + result.stderr
        assert "PYSEC-2019-217" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert re.search(r"^jinja2 2\.10: a newer release exists \([^)]+\); only the "
                         r"advisories it still has are checked here \(scripts/lock\.sh "
                         r"--upgrade-package jinja2 moves the pin\)$",
                         result.stdout, re.MULTILINE), result.stdout
