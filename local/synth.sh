#!/usr/bin/env bash
# local/synth.sh [stage ...] — synthesizes each stage (default: local dev staging prod) once, with
# the CDK CLI, offline, into $SYNTH_DIR/<stage>/ (default .local/synth), two stages at a time (two
# cores), and prints how long each took. cdk-nag's AwsSolutions plugin runs during synth
# (-c nag=true), so an unacknowledged finding fails it. The checks that read templates
# (local/checks/cfn-lint.sh, local/checks/checkov.sh) lint and scan these assemblies when
# SYNTH_DIR names them (as `npm test` does), instead of synthesizing again.
# Exits non-zero when any stage fails, after the tail of its log.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT" || exit 1
out="${SYNTH_DIR:-$STATE/synth}"
stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(local dev staging prod)
mkdir -p "$out"

synth_stage() {
  local stage="$1" t0; t0=$(now)
  rm -rf "${out:?}/$stage"
  # -q: no template on stdout. No AWS credentials or lookups are needed: zones come from the config.
  if ! npx --no-install cdk synth -c "stage=$stage" -c nag=true -o "$out/$stage" -q >"$out/$stage.log" 2>&1; then
    echo "synth: FAIL stage=$stage (log: $out/$stage.log):" >&2
    tail -n 40 "$out/$stage.log" >&2
    return 1
  fi
  say "synth: stage $stage in $(elapsed "$t0") ($(find "$out/$stage" -maxdepth 1 -name '*.template.json' | wc -l) templates)"
}

t0=$(now)
pids=()
failed=0
for stage in "${stages[@]}"; do
  synth_stage "$stage" &
  pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
say "synth: ${#stages[@]} stages into $out in $(elapsed "$t0") ($([ "$failed" = 0 ] && echo passed || echo FAILED))"
exit "$failed"
