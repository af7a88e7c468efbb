#!/usr/bin/env bash
# `make compose-test`: run compose.yml for real with the image `make image`
# built (podman-compose), then tear it all down.
#
#   1. The images: the assistant's, and the stand-ins for postgres:15 and
#      redis:7 (`make image-test` builds them; built here when missing).
#   2. compose up: the assistant, the action server, PostgreSQL and Redis.
#   3. Every service's health check passes (run with `podman healthcheck
#      run`: without systemd, podman does not schedule them itself).
#   4. A cited answer; the assistant's container restarted; every health
#      check again; a follow-up that needs the topic stored in PostgreSQL
#      before the restart.
# Everything it starts is removed on exit, failed or not; the images stay.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/podman_env.sh
source tools/podman_env.sh
# shellcheck source=tools/find_python310.sh
source tools/find_python310.sh
python=$(find_python310) || fail "Python 3.10 not found (python3.10 on PATH or pyenv's)"

PROJECT=mesoprep-compose-test
SENDER=compose-test
SERVICES=(assistant actions postgres redis)
HEALTH_DEADLINE_S=300

compose() {
  podman-compose -p "$PROJECT" -f "$ROOT/compose.yml" "$@"
}
container() { echo "${PROJECT}_$1_1"; }

compose_up=0
cleanup() {
  local status=$?
  set +e
  if [ "$compose_up" = 1 ]; then
    if [ "$status" != 0 ]; then
      for service in "${SERVICES[@]}"; do
        echo "---- last log lines of $service ----"
        podman logs --tail 30 "$(container "$service")" 2>&1
      done
    fi
    say "Tearing the stack down..."
    # -v: the anonymous /app/.data volumes too, which `down -v` leaves.
    podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" |
      xargs -r podman rm -f -v >/dev/null 2>&1
    compose down -v >/dev/null 2>&1
    left=$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" | wc -l)
    [ "$left" = 0 ] || { echo "error: $left container(s) left behind" >&2; status=1; }
  fi
  rm -rf "$TMP"
  report "$status" compose-test \
    "the stack was healthy, held a cited conversation across a restart of the assistant, and was removed"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. Images --------------------------------------------------------------------

missing_images=()
for image in "$IMAGE" "$POSTGRES_TEST_IMAGE" "$REDIS_TEST_IMAGE"; do
  podman image exists "$image" || missing_images+=("$image")
done
if [ ${#missing_images[@]} -gt 0 ]; then
  say "Not built yet: ${missing_images[*]}; building them with make image-test..."
  bash tools/image_test.sh
fi
say "Reusing $IMAGE, built $(podman image inspect "$IMAGE" --format '{{.Created}}' | cut -d. -f1)"

# ---- 2. The stack -----------------------------------------------------------------

port=5005
if "$python" -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", 5005)) != 0)'; then
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  say "Port 5005 is in use here: publishing the assistant on $port"
fi
export MESOPREP_IMAGE=$IMAGE POSTGRES_IMAGE=$POSTGRES_TEST_IMAGE REDIS_IMAGE=$REDIS_TEST_IMAGE \
       ASSISTANT_PORT=$port
say "compose up: ${SERVICES[*]}..."
compose down -v >/dev/null 2>&1 || true
compose_up=1
compose up -d >"$TMP/compose-up.log" 2>&1 || { cat "$TMP/compose-up.log"; fail "compose up failed"; }

# ---- 3. Health checks -------------------------------------------------------------

# Runs each service's own health check until it passes; one line per service.
wait_healthy() {
  local deadline=$(( $(date +%s) + HEALTH_DEADLINE_S ))
  for service in "${SERVICES[@]}"; do
    local name started
    name=$(container "$service")
    started=$(date +%s)
    until podman healthcheck run "$name" >/dev/null 2>&1; do
      state=$(podman inspect -f '{{.State.Status}}' "$name" 2>/dev/null || echo missing)
      case $state in exited|missing) fail "the $service container is $state" ;; esac
      [ "$(date +%s)" -lt "$deadline" ] || fail "$service not healthy within ${HEALTH_DEADLINE_S} s"
      sleep 2
    done
    say "$service: healthy ($(( $(date +%s) - started )) s)"
  done
}

# ---- 4. A conversation across a restart -------------------------------------------

BASE_URL="http://127.0.0.1:$port"

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
  say "\"$1\" -> \"$2\""
}

wait_healthy
expect "does it hurt?" "Source: Pain and Discomfort"

say "Restarting the assistant container..."
# Podman without systemd logs that it cannot schedule the HEALTHCHECK: noise.
podman restart -t 30 "$(container assistant)" >"$TMP/restart.log" 2>&1 ||
  { cat "$TMP/restart.log"; fail "podman restart failed"; }
wait_healthy
expect "how long does that last?" "Pain and Discomfort"
