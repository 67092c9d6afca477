#!/usr/bin/env bash
# Install everything (exactly the versions requirements-dev.lock pins) and run the whole test
# suite: lint, types, and pytest on SQLite and on the PostgreSQL at 127.0.0.1:5432
# (TEST_POSTGRES_URL to point elsewhere). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
.venv/bin/ruff check .
.venv/bin/mypy app
# A known vulnerability in the image's locked dependencies fails the run; a newer release
# upstream, or a package that cannot be looked up, is only reported (scripts/audit.sh).
bash scripts/audit.sh

# The browser and validator tests need Debian's Chromium, a Java runtime for the Nu HTML Checker,
# and the npm packages pinned in tests/tools/package-lock.json. Each is installed only when
# missing, so a second run installs nothing; as root on Debian (CI) this needs no questions.
apt_packages=()
[ -x "${FOLIO_CHROMIUM:-/usr/bin/chromium}" ] ||
  apt_packages+=(chromium chromium-driver fonts-liberation fonts-dejavu-core)
command -v java >/dev/null || apt_packages+=(default-jre-headless)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
# The container smoke test builds and runs the image with podman on a debootstrapped base.
for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null || apt_packages+=("$tool")
done
# The load check drives gunicorn with wrk and starts Redis servers of its own (so do the Redis
# outage tests); the serve benchmark's nginx configuration is checked with nginx -t.
command -v wrk >/dev/null || apt_packages+=(wrk)
command -v redis-server >/dev/null || apt_packages+=(redis-server)
command -v nginx >/dev/null || apt_packages+=(nginx-light)
# The CDN test puts a real caching proxy in front of gunicorn (Debian's varnishd, in /usr/sbin).
[ -x /usr/sbin/varnishd ] || command -v varnishd >/dev/null || apt_packages+=(varnish)
# The site readers' tests build fixture sites with the engines themselves and compare.
command -v jekyll >/dev/null || apt_packages+=(jekyll)
# The fixture Jekyll site names the jekyll-feed plugin, as most real ones do.
{ command -v dpkg >/dev/null && dpkg -s ruby-jekyll-feed >/dev/null 2>&1; } ||
  apt_packages+=(ruby-jekyll-feed)
command -v hugo >/dev/null || apt_packages+=(hugo)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing for the browser, container, load and site-reader tests: ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" </dev/null >/dev/null
  else
    echo "Missing for the browser, container and load tests (they will be skipped):" \
         "sudo apt-get install" \
         "${apt_packages[*]}" >&2
  fi
fi
# npm writes node_modules/.package-lock.json after each install: older than the lock file means
# the pins changed. --ignore-scripts: vnu-jar's postinstall would fetch a Java we do not want.
tools=tests/tools
if command -v npm >/dev/null && { [ ! -f "$tools/node_modules/.package-lock.json" ] ||
     [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; }; then
  echo "Installing the test tools in $tools (npm ci)"
  npm --prefix "$tools" ci --ignore-scripts --no-audit --no-fund --loglevel=error \
    </dev/null >/dev/null
fi

# The Pelican reader's tests compare it with Pelican itself, which gets a virtualenv of its own
# (the lock scripts/lock.sh pins, tests/tools/pelican.lock) so that Pelican's dependencies never
# constrain Folio's; it is made with the Python .venv was made with, which that lock was resolved
# for. As in scripts/bootstrap.sh, the stamp names the lock's hash: a second run with the same
# lock installs nothing, and a failed install fails the run rather than skipping those tests.
pelican_venv=$tools/.venv-pelican
if [ ! -x "$pelican_venv/bin/python" ]; then
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv --clear "$pelican_venv"
fi
stamp="$pelican_venv/.installed-pelican"
wanted="$(sha256sum "$tools/pelican.lock" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Pelican for the Pelican reader's tests in $pelican_venv"
  # --no-deps and pip check, as in scripts/bootstrap.sh: the lock is the whole closure.
  "$pelican_venv/bin/python" -m pip --disable-pip-version-check install --quiet \
    --require-hashes --no-deps -r "$tools/pelican.lock" </dev/null
  if ! broken="$("$pelican_venv/bin/python" -m pip --disable-pip-version-check check)"; then
    echo "$tools/pelican.lock misses a dependency (run scripts/lock.sh): $broken" >&2
    exit 1
  fi
  echo "$wanted" >"$stamp"
fi
# A Pelican named by the caller is the one compared against.
export PELICAN_PYTHON="${PELICAN_PYTHON:-$PWD/$pelican_venv/bin/python}"

exec .venv/bin/pytest "$@"
