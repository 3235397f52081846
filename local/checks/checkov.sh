#!/usr/bin/env bash
# local/checks/checkov.sh [stage ...] — Checkov policy scan, run by `npm test`:
#   - CloudFormation: every stack template of every stage (default: local dev staging prod), from
#     the cloud assemblies in $SYNTH_DIR (or a synth of local/synth.sh when it is unset);
#   - Kubernetes: renders every helm/eks-service/ci/*-values.yaml variant with `helm template` (test
#     hooks included) and scans the manifests.
# A finding is either fixed or skipped at the resource with a written reason: CloudFormation
# `Metadata.checkov.skip` (added from CDK by lib/compliance/checkov.ts), Helm `checkov.io/skip<N>`
# annotations. Any failed check or parsing error fails the check. Prints passed/failed/skipped per
# framework and stage or variant, then every failure; CHECKOV_VERBOSE=1 also lists every skip with
# its reason. Checkov runs from its own virtual environment (.venv-checkov, local/venv.sh), since its
# pins conflict with the emulator's; or from $CHECKOV.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
total_start=$(now)
# Seconds between two $(now) stamps, for the report line.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [ -z "${CHECKOV:-}" ]; then
  bash local/venv.sh local/requirements-checkov.txt .venv-checkov # once; then a hash and a readlink
  CHECKOV="$ROOT/.venv-checkov/bin/checkov"
  PYTHON="$ROOT/.venv-checkov/bin/python"
else
  PYTHON="${PYTHON:-python3}"
fi
bash local/tools/helm.sh
HELM_BIN=${HELM_BIN:-$ROOT/.tools/bin/helm}
# shellcheck source=local/k8s/versions.sh
source "$ROOT/local/k8s/versions.sh"
KUBE_VERSION="${K8S_VERSION#v}"

stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(local dev staging prod)
work="$(mktemp -d "${TMPDIR:-/tmp}/checkov.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The templates: the cloud assemblies in $SYNTH_DIR (npm test synthesizes each stage once), else a
# synth of local/synth.sh into the work directory.
t0=$(now)
use_synth "$work" "${stages[@]}" || exit 1
templates=()
for stage in "${stages[@]}"; do templates+=("$SYNTH_OUT/$stage"/*.template.json); done
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
"$PYTHON" "$ROOT/local/py/checkov_report.py" "$work" "$(cat "$work/version")" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$(secs "$t2" "$t3")" \
  "${CHECKOV_VERBOSE:-0}" || result=$?
echo "checkov check: $( [ "$result" = 0 ] && echo passed || echo FAILED ) in $(secs "$total_start" "$(now)")s"
exit "$result"
