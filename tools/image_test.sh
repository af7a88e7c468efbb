#!/usr/bin/env bash
# `make image-test`: build the container image and run compose.yml with it.
#
# On this kind of machine no container registry is reachable, so nothing can
# be pulled: the base images are made here, from Debian's mirror.
#   1. podman, buildah, runc, debootstrap, podman-compose, fuse-overlayfs from
#      apt where missing; a containers.conf (runc, ulimits) in a temp dir.
#   2. debootstrap bookworm (minbase) -> a Debian base image; with this
#      machine's Python 3.10 copied in -> localhost/python:3.10-slim, which
#      stands in for Docker Hub's python:3.10-slim; with Debian's
#      postgresql-15 / redis-server -> stand-ins for postgres:15 and redis:7.
#   3. `make image` with BASE_IMAGE=localhost/python:3.10-slim.
#   4. compose.yml up; one question; the assistant restarted; a follow-up that
#      needs the topic stored in PostgreSQL before the restart.
# Host specifics (the proxy's CA certificates, proxy and index variables)
# go into the stand-in base image only, never into Containerfile.
# Everything it starts is removed on exit; the images are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

IMAGE=localhost/mesoprep:latest
PYTHON_BASE=localhost/python:3.10-slim
DEBIAN_BASE=localhost/mesoprep-test/debian:bookworm
POSTGRES_TEST_IMAGE=localhost/mesoprep-test/postgres:15
REDIS_TEST_IMAGE=localhost/mesoprep-test/redis:7
PROJECT=mesoprep-image-test
SENDER=img-test
STARTED=$(date +%s)

say() { echo "==> $*"; }
fail() { echo "error: $*" >&2; exit 1; }

# ---- 1. Tools ---------------------------------------------------------------------

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
missing=()
for tool in podman buildah runc debootstrap podman-compose fuse-overlayfs; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing Debian's ${missing[*]}..."
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

TMP=$(mktemp -d -t mesoprep-image-test.XXXXXX)
# Measured here: the default runtime (crun) fails on this host's cgroups and
# rlimits; runc with explicit ulimits works.
cat >"$TMP/containers.conf" <<'CONF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
export CONTAINERS_CONF="$TMP/containers.conf"

compose() {
  podman-compose -p "$PROJECT" -f "$ROOT/compose.yml" "$@"
}

compose_up=0
cleanup() {
  local status=$?
  set +e
  if [ "$compose_up" = 1 ]; then
    if [ "$status" != 0 ]; then
      for service in assistant actions postgres redis; do
        echo "---- last log lines of $service ----"
        podman logs --tail 30 "${PROJECT}_${service}_1" 2>&1
      done
    fi
    say "Tearing the stack down..."
    # -v: the anonymous /app/.data volumes too, which `down -v` leaves.
    podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" |
      xargs -r podman rm -f -v >/dev/null 2>&1
    compose down -v >/dev/null 2>&1
  fi
  rm -rf "$TMP"
  local took=$(( $(date +%s) - STARTED ))
  if [ "$status" = 0 ]; then
    echo "PASS: image-test: $IMAGE served a conversation that survived a restart (${took} s)"
  else
    echo "FAIL: image-test (exit $status after ${took} s)"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 2. Base images ---------------------------------------------------------------

# shellcheck source=tools/find_python310.sh
source "$ROOT/tools/find_python310.sh"
python=$(find_python310) || fail "Python 3.10 not found (python3.10 on PATH or pyenv's)"
prefix=$("$python" -c 'import sys; print(sys.base_prefix)')
[ -x "$prefix/bin/python3.10" ] || fail "no $prefix/bin/python3.10"

# The Debian mirror apt uses here (deb822 or one-line sources).
mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/*$/\1/p' \
           /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
           sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(http[^[:space:]]*\/debian\)\/*[[:space:]].*/\2/p' |
           head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs="$TMP/rootfs"
say "debootstrap bookworm (minbase) from $mirror..."
# Python's shared libraries (ssl, sqlite3, ctypes, readline...) and CA roots.
$sudo debootstrap --variant=minbase \
  --include=ca-certificates,libffi8,libsqlite3-0,libssl3,libncursesw6,libreadline8,libbz2-1.0,liblzma5,zlib1g,libuuid1,libgdbm6,libnsl2,libexpat1 \
  bookworm "$rootfs" "$mirror" >"$TMP/debootstrap.log" 2>&1 ||
  { tail -n 20 "$TMP/debootstrap.log"; fail "debootstrap failed"; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

image_env=(--change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
           --change "ENV LANG=C.UTF-8")
tar -C "$rootfs" -c . | podman import -q "${image_env[@]}" --change 'CMD ["bash"]' - "$DEBIAN_BASE" >/dev/null

say "Making $PYTHON_BASE: $("$prefix/bin/python3.10" --version) from $prefix..."
mkdir -p "$rootfs$prefix"
# The interpreter and standard library; not its tests, Tk, the static
# library or host-specific .pth files (only pip and setuptools are kept).
tar -C "$prefix" -c \
  --exclude=./lib/python3.10/test --exclude=./lib/python3.10/idlelib \
  --exclude=./lib/python3.10/tkinter --exclude='./lib/python3.10/config-3.10-*' \
  --exclude='./lib/python3.10/site-packages/*.pth' --exclude='__pycache__' \
  bin lib | tar -C "$rootfs$prefix" -x
# Readable by the image's non-root user even under /root (pyenv's prefix).
dir=$prefix
while [ "$dir" != / ]; do chmod 755 "$rootfs$dir"; dir=$(dirname "$dir"); done
for name in python python3 python3.10 pip pip3; do
  target=$prefix/bin/python3.10
  case $name in pip*) target=$prefix/bin/pip3.10 ;; esac
  ln -sf "$target" "$rootfs/usr/local/bin/$name"
done
# pip inside the build goes through this host's TLS-intercepting proxy: its
# CA certificates, trusted by the system store, and pip pointed at that store.
cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
$sudo chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
python_env=("${image_env[@]}"
            --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
            --change "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
# Package index and proxy settings of this host, when they are URLs the build
# can reach (a file:// index on this disk is not).
for var in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST HTTP_PROXY HTTPS_PROXY NO_PROXY \
           http_proxy https_proxy no_proxy; do
  value=${!var:-}
  case $var:$value in
    *:) ;;
    PIP_*_URL:http*|PIP_TRUSTED_HOST:*|*PROXY:*|*proxy:*) python_env+=(--change "ENV $var=$value") ;;
  esac
done
tar -C "$rootfs" -c . | podman import -q "${python_env[@]}" --change 'CMD ["python3"]' - "$PYTHON_BASE" >/dev/null
podman run --rm "$PYTHON_BASE" python -c 'import ssl, sqlite3, ctypes, bz2, lzma, venv, ensurepip' ||
  fail "$PYTHON_BASE: the copied Python lacks a library"
rm -rf "$rootfs"

say "Making stand-ins for postgres:15 and redis:7 from Debian's packages..."
mkdir -p "$TMP/postgres" "$TMP/redis"
# What the official image does, simply: a cluster for POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB on first start, listening everywhere.
cat >"$TMP/postgres/entrypoint.sh" <<'SH'
#!/bin/sh
set -e
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
SH
cat >"$TMP/postgres/Containerfile" <<EOF
FROM $DEBIAN_BASE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null \\
 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \\
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 700 /var/lib/postgresql/data
COPY entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
CMD ["sh", "/usr/local/bin/postgres-entrypoint"]
EOF
cat >"$TMP/redis/Containerfile" <<EOF
FROM $DEBIAN_BASE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
EOF
podman build -q --format docker -t "$POSTGRES_TEST_IMAGE" "$TMP/postgres" >/dev/null
podman build -q --format docker -t "$REDIS_TEST_IMAGE" "$TMP/redis" >/dev/null

# ---- 3. The image -------------------------------------------------------------------

say "make image (BASE_IMAGE=$PYTHON_BASE; installs the requirements, a few minutes)..."
make --no-print-directory image ENGINE=podman IMAGE="$IMAGE" \
  IMAGE_BUILD_ARGS="--build-arg BASE_IMAGE=$PYTHON_BASE"
size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
say "Image $IMAGE: $(( size / 1000000 )) MB"

# ---- 4. The stack -----------------------------------------------------------------

port=5005
if "$python" -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", 5005)) != 0)'; then
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  say "Port 5005 is in use here: publishing the assistant on $port"
fi
export MESOPREP_IMAGE=$IMAGE POSTGRES_IMAGE=$POSTGRES_TEST_IMAGE REDIS_IMAGE=$REDIS_TEST_IMAGE \
       ASSISTANT_PORT=$port
say "compose up: assistant, actions, postgres, redis..."
compose down -v >/dev/null 2>&1 || true
compose_up=1
compose up -d >"$TMP/compose-up.log" 2>&1 || { cat "$TMP/compose-up.log"; fail "compose up failed"; }

BASE_URL="http://127.0.0.1:$port"
wait_healthy() {
  say "Waiting for the assistant at $BASE_URL/webhooks/rest/ ..."
  local deadline=$(( $(date +%s) + 300 ))
  until curl -fsS -o /dev/null "$BASE_URL/webhooks/rest/" 2>/dev/null; do
    state=$(podman inspect -f '{{.State.Status}}' "${PROJECT}_assistant_1" 2>/dev/null || echo missing)
    case $state in exited|missing) fail "the assistant container is $state" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "the assistant did not answer within 300 s"
    sleep 3
  done
}

# Ask: prints the reply's texts, one message a line.
ask() {
  curl -fsS -H 'Content-Type: application/json' \
    -d "$("$python" -c 'import json,sys; print(json.dumps({"sender": sys.argv[1], "message": sys.argv[2]}))' "$SENDER" "$1")" \
    "$BASE_URL/webhooks/rest/webhook" |
    "$python" -c 'import json,sys; print("\n".join(m.get("text", "") for m in json.load(sys.stdin)))'
}

expect() {  # expect QUESTION TEXT
  local reply
  reply=$(ask "$1") || fail "no reply to \"$1\""
  if ! grep -qF "$2" <<<"$reply"; then
    printf '%s\n' "$reply" | sed 's/^/    /'
    fail "the reply to \"$1\" lacks \"$2\""
  fi
  say "\"$1\" -> cites \"$2\""
}

wait_healthy
expect "does it hurt?" "Source: Pain and Discomfort"

say "Restarting the assistant container..."
# Podman without systemd logs that it cannot schedule the HEALTHCHECK: noise.
podman restart -t 30 "${PROJECT}_assistant_1" >"$TMP/restart.log" 2>&1 ||
  { cat "$TMP/restart.log"; fail "podman restart failed"; }
wait_healthy
expect "how long does that last?" "Pain and Discomfort"
