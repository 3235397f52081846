#!/usr/bin/env bash
# local/checks/cfn-lint.sh [stage ...] — synthesizes every stage (default: local dev staging prod)
# with the CDK CLI (cdk-nag AwsSolutions on), offline, into temporary directories, prints how long each synth took, and lints
# every template with cfn-lint (the project's .venv, or $CFN_LINT) for the stage's region.
# Exits non-zero on a failed synth or on any cfn-lint error; warnings are printed but do not fail.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CFN_LINT="${CFN_LINT:-$ROOT/.venv/bin/cfn-lint}"
if [ ! -x "$CFN_LINT" ] && ! command -v "$CFN_LINT" >/dev/null && [ -f "$ROOT/local/venv.sh" ]; then
  bash "$ROOT/local/venv.sh" # creates .venv from local/requirements.txt (pins cfn-lint)
fi
[ -x "$CFN_LINT" ] || command -v "$CFN_LINT" >/dev/null || { echo "cfn-lint not found at $CFN_LINT (run local/venv.sh or set CFN_LINT)" >&2; exit 1; }

stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(local dev staging prod)
work="$(mktemp -d "${TMPDIR:-/tmp}/cfn-lint.XXXXXX")"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "cfn-lint: $("$CFN_LINT" --version)"
failed=0
total_start=$(now)
for stage in "${stages[@]}"; do
  out="$work/$stage"
  t0=$(now)
  # -q: no template on stdout. No AWS credentials or lookups are needed: zones come from the config.
  # nag=true: the cdk-nag AwsSolutions plugin runs too, so any unacknowledged finding fails synth.
  if ! npx --no-install cdk synth -c "stage=$stage" -c nag=true -o "$out" -q >"$work/$stage.synth.log" 2>&1; then
    echo "FAIL synth stage=$stage:" >&2
    tail -n 40 "$work/$stage.synth.log" >&2
    failed=1
    continue
  fi
  t1=$(now)
  templates=("$out"/*.template.json)
  # The stage's region, from the stacks' environment in the cloud assembly (aws://account/region).
  region="$(node -e '
    const m = require(process.argv[1]);
    const envs = Object.values(m.artifacts).filter((a) => a.type === "aws:cloudformation:stack").map((a) => a.environment);
    console.log([...new Set(envs.map((e) => e.split("/").pop()))].join(" "));' "$out/manifest.json")"
  # shellcheck disable=SC2086 # one or more regions
  if "$CFN_LINT" --non-zero-exit-code error --regions $region -- "${templates[@]}" >"$work/$stage.lint.log" 2>&1; then
    result="ok"
  else
    result="ERRORS"
    failed=1
  fi
  warnings=$(grep -cE '^W[0-9]+' "$work/$stage.lint.log" || true)
  errors=$(grep -cE '^E[0-9]+' "$work/$stage.lint.log" || true)
  printf 'stage %-8s synth %6ss  templates %d  region %s  cfn-lint %s (%d errors, %d warnings) %ss\n' \
    "$stage" "$(secs "$t0" "$t1")" "${#templates[@]}" "$region" "$result" "$errors" "$warnings" "$(secs "$t1" "$(now)")"
  if [ "$result" != ok ] || [ -n "${CFN_LINT_VERBOSE:-}" ]; then sed 's/^/    /' "$work/$stage.lint.log"; fi
done
echo "cfn-lint check: $( [ "$failed" = 0 ] && echo passed || echo FAILED ) in $(secs "$total_start" "$(now)")s"
exit "$failed"
