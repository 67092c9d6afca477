#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install exactly the versions pinned in a lock file:
#
#   bash scripts/bootstrap.sh       requirements.lock: what serving needs, as the image has it
#   bash scripts/bootstrap.sh dev   requirements-dev.lock: that plus the test, lint and audit tools
#
# Never a range from pyproject.toml: a release published upstream tomorrow must not change what
# a run installs (scripts/lock.sh moves the pins, on purpose). Run by serve.sh and test.sh; installs python3-venv from
# Debian when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") lock=requirements.lock ;;
  dev) lock=requirements-dev.lock ;;
  *) echo "usage: bash scripts/bootstrap.sh [dev]" >&2; exit 2 ;;
esac
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Folio needs Python 3.11 or newer as '$python' (set PYTHON=...)." >&2
  exit 1
fi
if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv </dev/null
  else
    echo "Install the venv module first: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
# A second run with the same lock installs nothing: the stamp names the lock's hash.
stamp=".venv/.installed-$(basename "$lock" .lock)"
wanted="$(sha256sum "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  pip=(.venv/bin/python -m pip --disable-pip-version-check)
  # --no-deps: the lock is the whole closure, so nothing is resolved at install time. A
  # resolver would look a dependency's "pkg[extra]>=x" up on the index, find tomorrow's release
  # and refuse it as unpinned (cachecontrol 0.15.0 broke CI that way). pip check then fails
  # the install if the lock ever misses a dependency.
  "${pip[@]}" install --quiet --require-hashes --no-deps -r "$lock"
  if ! broken="$("${pip[@]}" check)"; then
    echo "$lock misses a dependency (run scripts/lock.sh): $broken" >&2
    exit 1
  fi
  if [ "$lock" = requirements-dev.lock ]; then
    # The project itself, so tests and tools import it from anywhere: built with the
    # setuptools the dev lock pins (no isolated build, which would fetch the newest).
    "${pip[@]}" install --quiet --no-deps --no-build-isolation -e .
  fi
  echo "$wanted" >"$stamp"
fi
