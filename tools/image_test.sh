#!/usr/bin/env bash
# `make image-test`: build the container image and check what it holds.
#
# On this kind of machine no container registry is reachable, so nothing can
# be pulled: the base images are made here, from Debian's mirror.
#   1. podman and its helpers (tools/podman_env.sh).
#   2. debootstrap bookworm (minbase) -> a Debian base image; with this
#      machine's Python 3.10 copied in -> localhost/python:3.10-slim, which
#      stands in for Docker Hub's python:3.10-slim; with Debian's
#      postgresql-15 / redis-server -> stand-ins for postgres:15 and redis:7
#      (`make compose-test` runs them).
#   3. `make image` with BASE_IMAGE=localhost/python:3.10-slim.
#   4. The image's own check: its model, Rasa and the project import as the
#      non-root user, and the server's command finds everything it names.
# Host specifics (the proxy's CA certificates, proxy and index variables)
# go into the stand-in base image only, never into Containerfile.
# Everything it starts is removed on exit; the images are kept for
# `make compose-test`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/podman_env.sh
source tools/podman_env.sh

cleanup() {
  local status=$?
  set +e
  rm -rf "$TMP"
  report "$status" image-test "$IMAGE built and checked"
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

# ---- 4. The image's own check ----------------------------------------------------

say "Checking the image: model, Rasa and the project, as its user..."
podman run --rm "$IMAGE" sh -c '
  set -e
  test "$(id -u)" != 0
  test -s models/mesoprep.tar.gz
  python -c "import rasa, rasa_sdk, spacy, bot.serve, actions; print(\"rasa\", rasa.__version__)"
  python -m bot.channels.credentials credentials.yml /tmp/credentials.yml
  test -s /tmp/credentials.yml
' || fail "the image lacks what its server needs"
