# Sourced by tools/bootstrap_venv.sh and tools/image_test.sh: find_python310
# prints a working Python 3.10 (python3.10 on PATH first, then pyenv's) or
# returns 1.
find_python310() {
  local candidate
  if candidate=$(command -v python3.10 2>/dev/null) && "$candidate" -c '' 2>/dev/null; then
    echo "$candidate"; return 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}
