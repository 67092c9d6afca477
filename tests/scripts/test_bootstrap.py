"""scripts/bootstrap.sh installs a lock file exactly as pinned, whatever the index holds today.

Run for real, in a copy of the script beside a lock of our own, against a local index of
wheels built here: a release published after the lock was written must change nothing, and a
lock that misses a dependency must fail the install."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


def build_wheel(index: Path, name: str, version: str, requires: tuple[str, ...] = (),
                extras: dict[str, tuple[str, ...]] | None = None) -> str:
    """A minimal pure-Python wheel in `index`; returns its sha256 for the lock."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {line}" for line in requires]
    for extra, lines in (extras or {}).items():
        metadata.append(f"Provides-Extra: {extra}")
        metadata += [f'Requires-Dist: {line} ; extra == "{extra}"' for line in lines]
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": "\n".join(metadata) + "\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: folio-tests\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    wheel = index / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def pinned(name: str, version: str, digest: str) -> str:
    return f"{name}=={version} \\\n    --hash=sha256:{digest}\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout holding only bootstrap.sh and what it hashes."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "bootstrap.sh", root / "scripts" / "bootstrap.sh")
    (root / "pyproject.toml").write_text("[project]\nname = 'locked'\nversion = '0'\n")
    return root


def bootstrap(checkout: Path, index: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("PIP_") and key != "VIRTUAL_ENV"}
    # The local index alone: no pip.conf mirror, no PyPI.
    environment.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(index),
                       PYTHON=sys._base_executable)  # type: ignore[attr-defined]
    return subprocess.run(["bash", "scripts/bootstrap.sh"], cwd=checkout, env=environment,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def installed(checkout: Path, name: str) -> str:
    return subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c",
                           f"import {name}; print({name}.VERSION)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_a_newer_release_of_a_dependency_wanted_with_an_extra_changes_nothing(
        checkout: Path, tmp_path: Path) -> None:
    """The CI failure of 2026-12-07: pip-audit wants "CacheControl[filecache]>=0.13.0", the
    lock pins cachecontrol 0.14.4, and PyPI had just published 0.15.0. A resolving install
    looked the extra up on the index, picked 0.15.0 and refused it as unpinned."""
    index = tmp_path / "index"
    index.mkdir()
    cache_old = build_wheel(index, "cachey", "1.0", extras={"files": ("locky>=1",)})
    build_wheel(index, "cachey", "2.0", extras={"files": ("locky>=1",)})  # published later
    locky = build_wheel(index, "locky", "1.0")
    auditor = build_wheel(index, "auditor", "1.0", requires=("cachey[files]>=1.0",))
    (checkout / "requirements.lock").write_text(
        pinned("auditor", "1.0", auditor) + pinned("cachey", "1.0", cache_old)
        + pinned("locky", "1.0", locky))

    result = bootstrap(checkout, index)

    assert result.returncode == 0, result.stderr
    assert installed(checkout, "cachey") == "1.0"
    assert installed(checkout, "locky") == "1.0"


def test_a_lock_missing_a_dependency_fails_the_install(checkout: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    build_wheel(index, "locky", "1.0")
    auditor = build_wheel(index, "auditor", "1.0", requires=("locky>=1",))
    (checkout / "requirements.lock").write_text(pinned("auditor", "1.0", auditor))

    result = bootstrap(checkout, index)

    assert result.returncode == 1
    assert "requirements.lock misses a dependency (run scripts/lock.sh)" in result.stderr
    assert "locky" in result.stderr
    assert not list(checkout.glob(".venv/.installed-*")), "a failed install must not be stamped"
