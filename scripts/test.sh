#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, and pytest on SQLite and on the
# PostgreSQL at 127.0.0.1:5432 (TEST_POSTGRES_URL to point elsewhere). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
.venv/bin/ruff check .
.venv/bin/mypy app
exec .venv/bin/pytest "$@"
