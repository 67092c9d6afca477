#!/bin/sh
# The image's entrypoint: make the database ready, then run the command (gunicorn by default;
# `flask import-posts`, `flask shell` and the like get the same preparation).
#
#   DB_WAIT_SECONDS   how long `flask wait-for-db` waits for the database (default 60)
#   IMPORT_ON_START   1 / true / yes / on: import CONTENT_DIR's articles before starting, with
#                     --strict: one invalid article writes nothing and stops this start, so a
#                     rolling deploy keeps the running containers (and the old content) up
#
# Several containers may start at once: concurrent upgrades and imports wait on a lock.
set -eu

import_on_start=$(printf '%s' "${IMPORT_ON_START:-}" | tr '[:upper:]' '[:lower:]')
case "$import_on_start" in
  1 | true | yes | on) import_on_start=1 ;;
  "" | 0 | false | no | off) import_on_start= ;;
  *)
    echo "docker-entrypoint: IMPORT_ON_START must be 1/0, true/false, yes/no or on/off," \
         "got '${IMPORT_ON_START}'" >&2
    exit 1
    ;;
esac

flask wait-for-db
flask db upgrade
if [ -n "$import_on_start" ]; then
  flask import-posts --strict
fi
exec "$@"
