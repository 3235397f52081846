#!/usr/bin/env bash
# local/venv.sh [requirements file] [link name]
# Creates (once) a Python virtual environment from a requirements file (default
# local/requirements.txt), in a cache keyed by the file's hash (~/.cache/eks-cdk-reference/venv-<hash>),
# and links it into the repository (default .venv). Tools whose pins cannot share one environment get
# their own: `local/venv.sh local/requirements-checkov.txt .venv-checkov`. Idempotent: a second run
# does nothing.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
requirements="${1:-$ROOT/local/requirements.txt}"
link="${2:-.venv}"
case "$requirements" in /*) ;; *) requirements="$ROOT/$requirements" ;; esac
[ -f "$requirements" ] || die "local/venv.sh: no requirements file $requirements"
case "$link" in */* | "" | . | ..) die "local/venv.sh: the link name must be a plain name in the repository root (got '$link')" ;; esac
hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="$CACHE/venv-$hash"
log="$LOGS/venv${link#.venv}.log" # .venv -> venv.log, .venv-checkov -> venv-checkov.log
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  step "creating the Python virtual environment $link from ${requirements#"$ROOT"/} ($venv; log: $log)"
  rm -rf "$venv"
  : >"$log"
  run_logged "Python virtual environment install ($link)" "$log" python3 -m venv "$venv"
  run_logged "Python virtual environment install ($link)" "$log" \
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$requirements"
  touch "$venv/.complete"
fi
if [ "$(readlink "$ROOT/$link" 2>/dev/null)" != "$venv" ]; then
  rm -rf "${ROOT:?}/$link"
  ln -s "$venv" "$ROOT/$link"
fi
