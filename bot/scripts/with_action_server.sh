#!/usr/bin/env bash
# Run a command with the action server beside it: start `rasa run actions`,
# wait until it answers, run the command in the foreground, and stop the
# action server however the command ends (including Ctrl-C).
set -euo pipefail
port="$1"; shift
bin="$(dirname "$1")"

"$bin/rasa" run actions --port "$port" --quiet >"${ACTIONS_LOG:-/dev/null}" 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true' EXIT INT TERM

printf '==> Starting the action server on port %s' "$port"
for _ in $(seq 1 120); do
  if "$bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://localhost:$port/health', timeout=1)" 2>/dev/null; then
    echo " ready."; break
  fi
  if ! kill -0 "$actions_pid" 2>/dev/null; then
    echo; echo "error: the action server exited; run 'make actions' to see why." >&2; exit 1
  fi
  printf '.'; sleep 0.5
done

"$@"
