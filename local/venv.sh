#!/usr/bin/env bash
# Creates (once) the project's Python virtual environment from local/requirements.txt, in a cache
# keyed by the file's hash, and links it as .venv. Idempotent: a second run does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hash="$(sha256sum "$ROOT/local/requirements.txt" | cut -c1-12)"
venv="$CACHE/venv-$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  step "creating the Python virtual environment ($venv; log: $LOGS/venv.log)"
  rm -rf "$venv"
  : >"$LOGS/venv.log"
  run_logged "Python virtual environment install" "$LOGS/venv.log" python3 -m venv "$venv"
  run_logged "Python virtual environment install" "$LOGS/venv.log" \
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$ROOT/local/requirements.txt"
  touch "$venv/.complete"
fi
if [ "$(readlink "$ROOT/.venv" 2>/dev/null)" != "$venv" ]; then
  rm -rf "$ROOT/.venv"
  ln -s "$venv" "$ROOT/.venv"
fi
