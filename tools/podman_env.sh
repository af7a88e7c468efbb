# Sourced by tools/image_test.sh and tools/compose_test.sh: podman and its
# helpers (installed from Debian's packages where missing), the images' names,
# and a containers.conf that works on this kind of host. Sets TMP (removed by
# the caller's cleanup), say and fail.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

IMAGE=localhost/mesoprep:latest
PYTHON_BASE=localhost/python:3.10-slim
DEBIAN_BASE=localhost/mesoprep-test/debian:bookworm
POSTGRES_TEST_IMAGE=localhost/mesoprep-test/postgres:15
REDIS_TEST_IMAGE=localhost/mesoprep-test/redis:7
STARTED=$(date +%s)

say() { echo "==> $*"; }
fail() { echo "error: $*" >&2; exit 1; }
# The last line of a run: report STATUS NAME WHAT-PASSED.
report() {
  local took=$(( $(date +%s) - STARTED ))
  if [ "$1" = 0 ]; then
    echo "PASS: $2: $3 (${took} s)"
  else
    echo "FAIL: $2 (exit $1 after ${took} s)"
  fi
}

# ---- Tools

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

TMP=$(mktemp -d -t mesoprep-podman.XXXXXX)
# Measured here: the default runtime (crun) fails on this host's cgroups and
# rlimits; runc with explicit ulimits works.
cat >"$TMP/containers.conf" <<'CONF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
export CONTAINERS_CONF="$TMP/containers.conf"

