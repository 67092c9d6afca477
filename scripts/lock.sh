#!/usr/bin/env bash
# Regenerate requirements.lock: pyproject's runtime dependencies plus the postgres and redis
# extras, every package pinned with its hashes. The image installs exactly this file
# (`pip install --require-hashes --no-deps`), and CI audits it with pip-audit.
# Extra arguments go to pip-compile, e.g. `scripts/lock.sh --upgrade-package flask`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Resolved against PyPI alone, whatever mirrors this machine's pip.conf adds: the image build
# downloads from PyPI, so every pin and hash must exist there.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
export CUSTOM_COMPILE_COMMAND="scripts/lock.sh"  # the command the file's header names
exec .venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
  --index-url https://pypi.org/simple --no-emit-index-url --no-emit-find-links \
  --extra postgres --extra redis --output-file requirements.lock "$@" pyproject.toml
