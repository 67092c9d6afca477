#!/usr/bin/env bash
# Build the production image from the Dockerfile, as it is, with podman; run it; check that it
# serves the sample site; stop it; clean up. Exits non-zero with a message on any failure.
#
# No Docker engine and no registry: python:3.11-slim is stood in for by a Debian bookworm made
# with debootstrap (Python 3.11 at /usr/local/bin/python, `python -m venv` and pip working as in
# the official image), cached as a tarball in ${XDG_CACHE_HOME:-~/.cache}/folio, so only the
# first run pays for it (delete the tarball to rebuild it). Podman runs with its own
# configuration and storage (vfs) in a temporary directory: the machine's containers.conf,
# storage.conf and images are left alone. Needs root, podman, runc, debootstrap, curl, python3.
#
#   DEBIAN_MIRROR   where debootstrap downloads from (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "container-smoke: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, and podman with runc)"
for tool in podman runc debootstrap curl python3; do
  command -v "$tool" >/dev/null || die "needs $tool (apt-get install podman buildah runc debootstrap)"
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/folio"
standin="$cache/python-3.11-slim-standin-bookworm-v1.tar"
base=docker.io/library/python:3.11-slim
image=localhost/folio:smoke
container="folio-smoke-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/folio-smoke.XXXXXX")

cleanup() {
  podman rm --force --volumes --time 0 "$container" >/dev/null 2>&1 || true
  # vfs leaves nothing mounted once the container is gone; unmount anything left anyway, and
  # never delete through a mount point.
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  if grep -q " $work/" /proc/mounts; then
    say "left $work in place: something is still mounted under it"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
cat >"$work/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$work/libpod-tmp"
EOF
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf"

make_standin() {
  local root="$work/rootfs"
  say "making the stand-in for $base with debootstrap (once; cached in $standin)"
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python3-pip,ca-certificates,netbase,tzdata \
    bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # The official image's layout: python, python3, python3.11 and pip in /usr/local/bin, and a
  # pip that installs where it is told (Debian marks its Python as externally managed).
  local name
  for name in python python3 python3.11; do ln -sf /usr/bin/python3.11 "$root/usr/local/bin/$name"; done
  for name in pip pip3 pip3.11; do ln -sf /usr/bin/pip3 "$root/usr/local/bin/$name"; done
  rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
  # Certificate authorities this machine added (a TLS-inspecting proxy's, say), so the build's
  # pip reaches PyPI from here as it does from the host.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
         "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
  mkdir -p "$cache"
  tar --numeric-owner -C "$root" -cf "$standin.partial" .
  mv "$standin.partial" "$standin"
  rm -rf "$root"
}

[ -f "$standin" ] || make_standin
podman import --quiet \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  --change 'LABEL org.opencontainers.image.description="debootstrap stand-in for python:3.11-slim"' \
  "$standin" "$base" >/dev/null || die "podman import of $standin failed (delete it to rebuild)"

say "building the Dockerfile"
# docker format: the OCI image format has no HEALTHCHECK. --layers=false: one commit per stage
# instead of one per instruction, which on vfs (a full copy each) is 5 times faster; this
# throwaway storage has no cache to keep anyway.
started=$(date +%s)
podman build --isolation=chroot --pull=never --format docker --layers=false --tag "$image" \
  --file Dockerfile . \
  >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; die "podman build failed (log above)"; }
build_seconds=$(($(date +%s) - started))
size=$(podman images --format '{{.Size}}' "$image")
say "built $image in ${build_seconds} s; size $size"

# gVisor (and some other sandboxes) refuses the RLIMIT_NPROC podman always asks runc to set;
# there runc is reached through a wrapper that drops the spec's rlimits.
if ! podman run --rm --runtime runc --network none --entrypoint true "$image" \
     >"$work/probe.log" 2>&1; then
  grep -q 'setting rlimit' "$work/probe.log" || { cat "$work/probe.log" >&2; die "podman run failed"; }
  say "runc may not set rlimits here: running it through a wrapper that drops them"
  cat >"$work/runc" <<EOF
#!/bin/sh
prev=
for arg in "\$@"; do
  case "\$prev" in --bundle | -b) spec="\$arg/config.json" ;; --process | -p) spec="\$arg" ;; esac
  prev=\$arg
done
if [ -n "\${spec:-}" ] && [ -f "\$spec" ]; then
  python3 -c 'import json, sys
spec = json.load(open(sys.argv[1]))
spec.get("process", spec).pop("rlimits", None)
json.dump(spec, open(sys.argv[1], "w"))' "\$spec"
fi
exec $(command -v runc) "\$@"
EOF
  chmod +x "$work/runc"
  printf '[engine.runtimes]\nrunc = ["%s"]\n' "$work/runc" >>"$work/containers.conf"
  podman run --rm --runtime runc --network none --entrypoint true "$image" >"$work/probe.log" 2>&1 ||
    { cat "$work/probe.log" >&2; die "podman run failed, even without rlimits"; }
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
run=(podman run --detach --name "$container" --runtime runc
     --env SECRET_KEY="$secret" --env IMPORT_ON_START=1 --env SITE_URL="$url")
# The bridge network with a published port, as in production; where the sandbox has none,
# the host's network, gunicorn listening on the free port instead of 8000.
if ! "${run[@]}" --publish "127.0.0.1:$port:8000" "$image" >"$work/run.log" 2>&1; then
  say "no bridge network here ($(tail -1 "$work/run.log")); using the host's network"
  podman rm --force --volumes "$container" >/dev/null 2>&1 || true
  "${run[@]}" --network host --env PORT="$port" "$image" >"$work/run.log" 2>&1 ||
    { cat "$work/run.log" >&2; die "podman run failed"; }
fi

fail() {
  say "the container's last log lines:"
  podman logs --tail 40 "$container" >&2 2>&1 || true
  die "$*"
}

status() { curl --silent --max-time 10 --output "$work/body" --write-out '%{http_code}' "$url$1" || true; }

say "waiting for $url/healthz"
for _ in $(seq 180); do
  [ "$(status /healthz)" = 200 ] && break
  [ "$(podman inspect --format '{{.State.Running}}' "$container")" = true ] ||
    fail "the container stopped before answering /healthz"
  sleep 1
done
[ "$(status /healthz)" = 200 ] || fail "/healthz did not answer 200 within 180 s"
podman healthcheck run "$container" >/dev/null 2>&1 || fail "the image's HEALTHCHECK failed"
[ "$(podman exec "$container" id -u)" = 10001 ] || fail "the server does not run as uid 10001"

code=$(status /readyz)
[ "$code" = 200 ] || fail "/readyz answered $code: $(cat "$work/body")"
code=$(status /)
[ "$code" = 200 ] || fail "/ answered $code"
found=
while IFS= read -r title; do
  if grep -qF -- "$title" "$work/body"; then found=$title; break; fi
done < <(sed -n 's/^title: *//p' content/*.md | sed 's/^["'\'']//; s/["'\'']$//')
[ -n "$found" ] || fail "/ shows none of the titles in content/"
post=$(grep -o 'href="/posts/[^"]*"' "$work/body" | head -1 | cut -d'"' -f2)
[ -n "$post" ] || fail "/ links to no post"
code=$(status "$post")
[ "$code" = 200 ] || fail "$post answered $code"

# (Without systemd podman complains it cannot remove the healthcheck timer: harmless.)
podman stop --time 25 "$container" >/dev/null 2>>"$work/stop.log"
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
[ "$exit_code" = 0 ] || fail "gunicorn exited with $exit_code on SIGTERM"
say "passed: built in ${build_seconds} s, $size; /healthz, /readyz, / (\"$found\") and $post" \
    "answered 200; stopped cleanly"
