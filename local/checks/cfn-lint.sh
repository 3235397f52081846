#!/usr/bin/env bash
# local/checks/cfn-lint.sh [stage ...] — lints every template of every stage (default: local dev
# staging prod) with cfn-lint (the project's .venv, or $CFN_LINT) for the stage's region. The
# templates are the cloud assemblies in $SYNTH_DIR (`npm test` synthesizes each stage once) or, when
# it is unset, a synth of local/synth.sh (cdk-nag on) into a temporary directory.
# Exits non-zero on a failed synth or on any cfn-lint error; warnings are printed but do not fail.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
CFN_LINT="${CFN_LINT:-$ROOT/.venv/bin/cfn-lint}"
if [ ! -x "$CFN_LINT" ] && ! command -v "$CFN_LINT" >/dev/null; then
  ensure_venv # creates .venv from local/requirements.txt (pins cfn-lint)
fi
[ -x "$CFN_LINT" ] || command -v "$CFN_LINT" >/dev/null || die "cfn-lint not found at $CFN_LINT (run local/venv.sh or set CFN_LINT)"

stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(local dev staging prod)
work="$(mktemp -d "${TMPDIR:-/tmp}/cfn-lint.XXXXXX")"
trap 'rm -rf "$work"' EXIT
total_start=$(now)
use_synth "$work" "${stages[@]}" || exit 1

say "cfn-lint: $("$CFN_LINT" --version)"
failed=0
for stage in "${stages[@]}"; do
  out="$SYNTH_OUT/$stage"
  t0=$(now)
  templates=("$out"/*.template.json)
  region="$(node "$ROOT/local/js/stack-regions.js" "$out/manifest.json")"
  # shellcheck disable=SC2086 # one or more regions
  if "$CFN_LINT" --non-zero-exit-code error --regions $region -- "${templates[@]}" >"$work/$stage.lint.log" 2>&1; then
    result="ok"
  else
    result="ERRORS"
    failed=1
  fi
  warnings=$(grep -cE '^W[0-9]+' "$work/$stage.lint.log" || true)
  errors=$(grep -cE '^E[0-9]+' "$work/$stage.lint.log" || true)
  printf 'stage %-8s templates %d  region %s  cfn-lint %s (%d errors, %d warnings) %s\n' \
    "$stage" "${#templates[@]}" "$region" "$result" "$errors" "$warnings" "$(elapsed "$t0")"
  if [ "$result" != ok ] || [ -n "${CFN_LINT_VERBOSE:-}" ]; then sed 's/^/    /' "$work/$stage.lint.log"; fi
done
say "cfn-lint check: $( [ "$failed" = 0 ] && echo passed || echo FAILED ) in $(elapsed "$total_start")"
exit "$failed"
