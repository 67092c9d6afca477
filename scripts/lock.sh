#!/usr/bin/env bash
# Regenerate the lock files, every package pinned with its hashes:
#
# - requirements.lock: the runtime dependencies plus the postgres and redis extras. The image
#   and scripts/serve.sh install exactly this file, and CI audits it (scripts/audit.sh).
# - requirements-dev.lock: the same plus the dev extra (test, lint and audit tools, and the pip
#   and setuptools they need). scripts/test.sh and CI install exactly this file. It is resolved
#   under requirements.lock as a constraint, so the two agree on every package they share.
# - tests/tools/pelican.lock: from tests/tools/pelican.in, the Pelican that the Pelican reader's
#   tests compare against. scripts/test.sh installs it into a virtualenv of its own
#   (tests/tools/.venv-pelican), so it is resolved alone, under no constraint: Pelican's
#   dependencies never constrain Folio's, nor Folio's Pelican's.
#
# This is the only way the pins move: nothing else installs a newer release. Pins kept in the
# files stay as they are unless asked, e.g. `scripts/lock.sh --upgrade-package flask` or
# `scripts/lock.sh --upgrade`; extra arguments go to every pip-compile run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Resolved against PyPI alone, whatever mirrors this machine's pip.conf adds: the image build
# downloads from PyPI, so every pin and hash must exist there.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT
export CUSTOM_COMPILE_COMMAND="scripts/lock.sh"  # the command each file's header names
compile() {
  .venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
    --index-url https://pypi.org/simple --no-emit-index-url --no-emit-find-links "$@"
}
compile --extra postgres --extra redis --output-file requirements.lock "$@" pyproject.toml
compile --extra postgres --extra redis --extra dev --constraint requirements.lock \
  --output-file requirements-dev.lock "$@" pyproject.toml
# A virtualenv of its own, so resolved on its own too (see above): no -c requirements.lock.
compile --output-file tests/tools/pelican.lock "$@" tests/tools/pelican.in
