#!/usr/bin/env bash
# Known vulnerabilities in requirements.lock (or the lock given first; further arguments go to
# pip-audit). Exits 1 on a known vulnerability in a pinned package, and only then: a package
# that cannot be audited, or a newer release upstream, is reported and does not fail the run,
# so a lock that passed today still passes on any later day unless an advisory names it.
# Prints which audit it ran:
#
# - pip-audit, where PyPI's per-release JSON API answers: it asks about each pinned release,
#   so OSV need not be reachable (a package it could not look up is a warning).
# - scripts/audit_latest.py otherwise (a mirror that serves only the simple index and project
#   pages, as on our sandboxes and the CI machine): PyPI's project JSON lists advisories for
#   the latest release only. The policy is in that script's header.
#
# Where pypi.org cannot be reached at all, nothing is audited: a warning, not a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${1:-requirements.lock}"
[ $# -eq 0 ] || shift
answers() {
  .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30)' \
    "$1" 2>/dev/null
}
release_api=https://pypi.org/pypi/pip/24.0/json
project_api=https://pypi.org/pypi/pip/json
if answers "$release_api"; then
  echo "audit: pip-audit on $lock (PyPI's per-release JSON API answers)" >&2
  exec .venv/bin/pip-audit --require-hashes --disable-pip --progress-spinner off \
    -r "$lock" "$@"
fi
if answers "$project_api"; then
  echo "audit: scripts/audit_latest.py on $lock ($release_api is unreachable," \
       "so pip-audit cannot run; PyPI's project JSON answers)" >&2
  if [ $# -gt 0 ]; then
    echo "audit: pip-audit's options ($*) do not apply to scripts/audit_latest.py" >&2
    exit 2
  fi
  exec .venv/bin/python scripts/audit_latest.py "$lock"
fi
echo "audit: pypi.org is unreachable ($project_api): $lock NOT audited" >&2
exit 0
