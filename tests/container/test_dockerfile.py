"""The Dockerfile and .dockerignore, checked without a Docker engine: hadolint first, then each
promise of the production image, read from the parsed Dockerfile."""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser
from gunicorn.config import KNOWN_SETTINGS

from tests.conftest import REPO
from tests.container.dockerfile import (
    DOCKERFILE,
    context_copies,
    copies,
    exec_form,
    final_stage,
    only,
    stages,
    values,
)

DOCKERIGNORE = REPO / ".dockerignore"
HADOLINT = REPO / ".venv" / "bin" / "hadolint"
BASE_IMAGE = "python:3.11-slim"
ENTRYPOINT = "/usr/local/bin/docker-entrypoint.sh"
# What the app needs in /app: it finds migrations/, content/ and instance/ beside its package.
APP_FILES = ("app", "migrations", "content", "wsgi.py", "gunicorn.conf.py", ".flaskenv")
COMPILERS = re.compile(r"build-essential|\bgcc\b|\bg\+\+|\bclang\b|\bmake\b|-dev\b")


def test_hadolint_finds_nothing(tmp_path: Path) -> None:
    # A clean HOME: a personal hadolint.yaml must not hide a finding.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([str(HADOLINT), "--no-color", "--failure-threshold", "style",
                             "Dockerfile"], cwd=REPO, env=env, capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_stage_builds_on_python_slim() -> None:
    assert len(stages()) >= 2, "a builder stage and a final stage"
    for stage in stages():
        assert stage[0]["value"].split()[0] == BASE_IMAGE


def test_dependencies_come_from_the_lock_only() -> None:
    builder_runs = " ".join(run for stage in stages()[:-1] for run in values(stage, "RUN"))
    assert re.search(r"pip install\b.*--require-hashes", builder_runs)
    for flag in ("--no-deps", "-r /tmp/requirements.lock", "--only-binary=:all:"):
        assert flag in builder_runs
    assert ("requirements.lock", "/tmp/requirements.lock") in context_copies()
    everything = " ".join(i["value"] for stage in stages() for i in stage)
    assert "pyproject.toml" not in everything, "the project itself is never pip-installed"
    assert "[dev]" not in everything and "pytest" not in everything


def test_final_stage_has_no_compilers_or_dev_dependencies() -> None:
    final = final_stage()
    for run in values(final, "RUN"):
        assert not COMPILERS.search(run), run
        assert "pip install" not in run and "apt-get install" not in run, run
    builder_copies = [(flags, sources) for flags, sources, _ in copies(final)
                      if any(f.startswith("--from") for f in flags)]
    assert builder_copies == [(["--from=builder"], ["/opt/venv"])]


def test_the_code_is_copied_to_app_beside_its_data() -> None:
    assert values(final_stage(), "WORKDIR") == ["/app"]
    copied = {source: destination for source, destination in context_copies()}
    for name in APP_FILES:
        assert name in copied, f"{name} is not copied"
        assert copied[name] in ("./", f"./{name}", f"/app/{name}", "/app/")


def test_final_environment() -> None:
    parser = DockerfileParser(str(DOCKERFILE))
    env = parser.envs
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["FOLIO_ENV"] == "production"
    assert env["FLASK_APP"] == "wsgi"
    baked = " ".join(i["value"] for stage in stages() for i in stage
                     if i["instruction"] in ("ENV", "ARG", "LABEL"))
    assert "SECRET_KEY" not in baked, "the image must not carry a secret key"


def test_runs_as_a_numeric_non_root_user() -> None:
    final = final_stage()
    user = only(final, "USER")
    uid, _, gid = user.partition(":")
    assert uid == "10001" and gid in ("", "10001")
    assert "--uid 10001" in " ".join(values(final, "RUN"))
    assert re.search(r"install -d -o 10001 -g 10001 /app/instance",
                     " ".join(values(final, "RUN")))
    # Nothing after USER runs as root again.
    position = [i["instruction"] for i in final].index("USER")
    assert "RUN" not in [i["instruction"] for i in final[position:]]


def test_cmd_is_gunicorn_with_its_config_in_exec_form() -> None:
    command = exec_form(only(final_stage(), "CMD"))
    assert command[0] == "gunicorn"
    assert command[command.index("-c") + 1] == "gunicorn.conf.py"
    assert "--no-control-socket" in command
    assert command[-1] == "wsgi:app"
    # Every option is one the installed gunicorn knows (a flag an older one lacks stops it).
    known = {flag for setting in KNOWN_SETTINGS for flag in setting.cli or ()}
    assert {word for word in command if word.startswith("-")} <= known


def test_exposes_the_port_gunicorn_listens_on() -> None:
    assert values(final_stage(), "EXPOSE") == ["8000"]
    assert "_env_int('PORT', 8000, 1)" in (REPO / "gunicorn.conf.py").read_text()


def test_healthcheck_asks_healthz_with_python() -> None:
    healthcheck = only(final_stage(), "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert re.search(r"--interval=\S+", options) and re.search(r"--timeout=\S+", options)
    arguments = exec_form(command.strip())
    assert arguments[:2] == ["python", "-c"]
    assert "urllib.request" in arguments[2]
    assert "/healthz" in arguments[2] and "PORT" in arguments[2]
    compile(arguments[2], "HEALTHCHECK", "exec")
    assert '@bp.get("/healthz")' in (REPO / "app" / "health" / "views.py").read_text()


def test_content_and_instance_are_volumes_declared_after_the_copies() -> None:
    final = final_stage()
    assert exec_form(only(final, "VOLUME")) == ["/app/content", "/app/instance"]
    kinds = [i["instruction"] for i in final]
    last_copy = max(n for n, kind in enumerate(kinds) if kind == "COPY")
    assert kinds.index("VOLUME") > last_copy, "changes after VOLUME would be discarded"


def test_entrypoint_is_the_script() -> None:
    assert exec_form(only(final_stage(), "ENTRYPOINT")) == [ENTRYPOINT]
    assert ("scripts/docker-entrypoint.sh", ENTRYPOINT) in context_copies()
    # COPY keeps the mode: the script must be executable in the checkout.
    assert os.access(REPO / "scripts" / "docker-entrypoint.sh", os.X_OK)


# .dockerignore, matched as Docker matches it (moby/patternmatcher): Go's filepath.Match plus
# `**`, a leading `!` re-includes, the last matching line wins, and a line matching a
# directory excludes everything under it.

def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out, i = out + "(.*/)?", i + 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += "[" + pattern[i + 1:end].replace("!", "^", 1) + "]"
            i = end
        elif char == "\\":
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out)


@cache
def _ignore_rules() -> list[tuple[re.Pattern[str], bool]]:
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((_pattern_regex(pattern), include))
    return rules


def ignored(path: str) -> bool:
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for regex, include in _ignore_rules():
        if any(regex.fullmatch(candidate) for candidate in candidates):
            result = not include
    return result


@pytest.mark.parametrize("path", [
    ".venv/bin/python", ".git/HEAD", "tests/conftest.py", "tests/tools/node_modules/x/y.js",
    "bench/.work/db.sqlite3", "instance/folio.sqlite3", "instance/config.py", "docs/index.md",
    "app/__pycache__/cli.cpython-311.pyc", "__pycache__/wsgi.cpython-311.pyc",
    ".pytest_cache/v/cache", ".mypy_cache/3.11/x.json", ".ruff_cache/CACHEDIR.TAG",
    "node_modules/a/index.js", ".env", ".env.production", "folio.egg-info/PKG-INFO",
    "requirements-dev.lock",
])
def test_dockerignore_keeps_out(path: str) -> None:
    assert ignored(path)


@pytest.mark.parametrize("path", [
    "app/__init__.py", "app/templates/base.html", "content/reading-explain-plans.md",
    "migrations/env.py", "wsgi.py", ".flaskenv", "requirements.lock",
])
def test_dockerignore_keeps_in(path: str) -> None:
    assert not ignored(path)


def test_every_copied_file_exists_and_is_in_the_build_context() -> None:
    for source, _ in context_copies():
        assert (REPO / source).exists(), f"COPY {source}: no such file"
        assert not ignored(source), f"COPY {source}: excluded by .dockerignore"
    sources = sorted({source for source, _ in context_copies()})
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "--", *sources], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    files = [path for path in listed if (REPO / path).is_file()]
    assert len(files) > len(sources)
    assert [path for path in files if ignored(path)] == []
