#!/usr/bin/env bash
# Install Folio, build the SQLite database, import the sample articles and serve the site on
# HOST:PORT (default 127.0.0.1:5000).
set -euo pipefail
cd "$(dirname "$0")/.."
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
# Canonical links and feed addresses name the address actually served, unless SITE_URL is set.
case "$host" in
  127.0.0.1 | 0.0.0.0 | :: | localhost) public=localhost ;;
  *:*) public="[$host]" ;;  # an IPv6 address
  *) public="$host" ;;
esac
export SITE_URL="${SITE_URL:-http://$public:$port}"
bash scripts/bootstrap.sh
.venv/bin/flask db upgrade
.venv/bin/flask import-posts
exec .venv/bin/flask run --host "$host" --port "$port"
