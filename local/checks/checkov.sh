#!/usr/bin/env bash
# local/checks/checkov.sh [stage ...] — Checkov policy scan, for `npm test` (local/test.sh) and .ci/run:
#   - CloudFormation: synthesizes every stage (default: local dev staging prod) with the CDK CLI,
#     offline, into a temporary directory, and scans every stack template;
#   - Kubernetes: renders every helm/eks-service/ci/*-values.yaml variant with `helm template` (test
#     hooks included) and scans the manifests.
# A finding is either fixed or skipped at the resource with a written reason: CloudFormation
# `Metadata.checkov.skip` (added from CDK by lib/constructs/checkov), Helm `checkov.io/skip<N>`
# annotations. Any failed check or parsing error fails the check. Prints passed/failed/skipped per
# framework and stage or variant, then every failure; CHECKOV_VERBOSE=1 also lists every skip with
# its reason. Checkov runs from its own virtual environment (.venv-checkov, local/venv.sh), since its
# pins conflict with the emulator's; or from $CHECKOV.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
total_start=$(now)

if [ -z "${CHECKOV:-}" ]; then
  bash local/venv.sh local/requirements-checkov.txt .venv-checkov # once; then a hash and a readlink
  CHECKOV="$ROOT/.venv-checkov/bin/checkov"
  PYTHON="$ROOT/.venv-checkov/bin/python"
else
  PYTHON="${PYTHON:-python3}"
fi
bash local/tools/helm.sh
HELM_BIN=${HELM_BIN:-$ROOT/.tools/bin/helm}
KUBE_VERSION=1.35.4

stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(local dev staging prod)
work="$(mktemp -d "${TMPDIR:-/tmp}/checkov.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Synth, two stages at a time (two cores). No cdk-nag and no built-in template validation here:
# cfn-lint.sh synthesizes with both; this check only needs the templates.
t0=$(now)
synth() {
  local stage="$1"
  if ! CDK_VALIDATION=false npx --no-install cdk synth -c "stage=$stage" -o "$work/cfn/$stage" -q \
    >"$work/synth-$stage.log" 2>&1; then
    echo "checkov: FAIL synth stage=$stage:" >&2
    tail -n 40 "$work/synth-$stage.log" >&2
    return 1
  fi
}
pids=()
failed=0
for stage in "${stages[@]}"; do
  synth "$stage" &
  pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || exit 1
templates=("$work"/cfn/*/*.template.json)
t1=$(now)

mkdir -p "$work/k8s"
variants=(helm/eks-service/ci/*-values.yaml)
for values in "${variants[@]}"; do
  variant=$(basename "$values" -values.yaml)
  "$HELM_BIN" template "checkov-$variant" helm/eks-service -f "$values" --namespace eks-service \
    --kube-version "$KUBE_VERSION" >"$work/k8s/$variant.yaml"
done
t2=$(now)

# One Checkov run over everything (its start-up is the slow part). No platform, no downloads.
"$CHECKOV" --version >"$work/version"
files=()
for f in "${templates[@]}" "$work"/k8s/*.yaml; do files+=(-f "$f"); done
status=0
"$CHECKOV" --compact --skip-download --framework cloudformation kubernetes --output json \
  --output-file-path "$work/out" "${files[@]}" >"$work/checkov.log" 2>&1 || status=$?
t3=$(now)
if [ ! -f "$work/out/results_json.json" ]; then
  echo "checkov: FAIL: no report (exit $status)" >&2
  tail -n 40 "$work/checkov.log" >&2
  exit 1
fi

result=0
"$PYTHON" - "$work" "$(cat "$work/version")" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$(secs "$t2" "$t3")" \
  "${CHECKOV_VERBOSE:-0}" <<'PY' || result=$?
import json, os, sys
from collections import defaultdict

work, version, synth_s, render_s, scan_s, verbose = sys.argv[1:7]
reports = json.load(open(os.path.join(work, "out", "results_json.json")))
if isinstance(reports, dict):
    reports = [reports]

def parts(path):
    """(stage, stack template) of cfn/<stage>/<stack>.template.json, (variant, "") of k8s/<variant>.yaml."""
    rel = path[len(work):] if path.startswith(work) else path
    p = [x for x in rel.split("/") if x]
    if "cfn" in p:
        i = p.index("cfn")
        return p[i + 1], p[-1].replace(".template.json", "")
    return os.path.splitext(p[-1])[0], ""

def unit(path):
    return parts(path)[0]

def where(path, resource):
    stage, stack = parts(path)
    return f"{stage} {stack + ' ' if stack else ''}{resource}"

bad = 0
print(f"checkov {version}: synth {synth_s}s, helm template {render_s}s, scan {scan_s}s")
for report in reports:
    framework = report.get("check_type")
    results = report.get("results", {})
    counts = defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
    for kind in ("passed", "failed", "skipped"):
        for r in results.get(f"{kind}_checks", []):
            counts[unit(r["file_path"])][kind] += 1
    total = {k: sum(c[k] for c in counts.values()) for k in ("passed", "failed", "skipped")}
    errors = report.get("summary", {}).get("parsing_errors", 0)
    print(f"  {framework:<15} passed {total['passed']:>4}  failed {total['failed']:>3}  skipped {total['skipped']:>3}"
          f"  parsing errors {errors}")
    for name in sorted(counts):
        c = counts[name]
        print(f"    {name:<13} passed {c['passed']:>4}  failed {c['failed']:>3}  skipped {c['skipped']:>3}")
    for r in results.get("failed_checks", []):
        print(f"  FAIL {r['check_id']} {where(r['file_path'], r['resource'])}: {r['check_name']}")
    if verbose == "1":
        for r in results.get("skipped_checks", []):
            reason = (r.get("check_result") or {}).get("suppress_comment", "")
            print(f"  skip {r['check_id']} {where(r['file_path'], r['resource'])}: {reason}")
    bad += total["failed"] + errors
sys.exit(1 if bad else 0)
PY
echo "checkov check: $( [ "$result" = 0 ] && echo passed || echo FAILED ) in $(secs "$total_start" "$(now)")s"
exit "$result"
