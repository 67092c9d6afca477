#!/usr/bin/env bash
# Install Folio, build the SQLite database, import the sample articles and serve the site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/flask db upgrade
.venv/bin/flask import-posts
exec .venv/bin/flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
