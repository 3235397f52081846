#!/usr/bin/env bash
# The Helm chart's non-jest checks, run by `npm test`:
#   for every helm/eks-service/ci/*-values.yaml variant:
#     helm lint --strict, then helm template | kubeconform -strict against the Kubernetes
#     K8S_SCHEMA_VERSION schemas generated offline (local/tools/kubeconform.sh).
# ServiceMonitor, PodMonitor and PrometheusRule (Prometheus Operator CRDs) have no schema in the
# Kubernetes OpenAPI document and are skipped explicitly; the rule's groups are checked by promtool
# (local/checks/promtool.sh). Prints one line per variant; exits non-zero if any variant fails.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
start=$(now)

bash local/tools/helm.sh
# shellcheck source=local/tools/kubeconform.sh
source local/tools/kubeconform.sh # sets KUBECONFORM_BIN, K8S_SCHEMA_VERSION, K8S_SCHEMA_DIR

HELM_BIN=${HELM_BIN:-$ROOT/.tools/bin/helm}
CHART=helm/eks-service
KUBE_VERSION="$K8S_SCHEMA_VERSION"
SKIP_KINDS=ServiceMonitor,PodMonitor,PrometheusRule

failed=0
variants=("$CHART"/ci/*-values.yaml)
[ -e "${variants[0]}" ] || { echo "helm: no $CHART/ci/*-values.yaml variants found" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for values in "${variants[@]}"; do
  variant=$(basename "$values" -values.yaml)
  if ! "$HELM_BIN" lint --strict --kube-version "$KUBE_VERSION" "$CHART" -f "$values" >"$out/lint" 2>&1; then
    echo "helm: FAIL $variant: helm lint --strict"
    sed 's/^/    /' "$out/lint"
    failed=1
    continue
  fi
  if ! "$HELM_BIN" template "check-$variant" "$CHART" -f "$values" --namespace eks-service \
    --kube-version "$KUBE_VERSION" >"$out/manifests.yaml" 2>"$out/template"; then
    echo "helm: FAIL $variant: helm template"
    sed 's/^/    /' "$out/template"
    failed=1
    continue
  fi
  if ! "$KUBECONFORM_BIN" -strict -summary -output text -kubernetes-version "$K8S_SCHEMA_VERSION" \
    -schema-location "$K8S_SCHEMA_DIR" -skip "$SKIP_KINDS" "$out/manifests.yaml" >"$out/kubeconform" 2>&1; then
    echo "helm: FAIL $variant: kubeconform (Kubernetes $K8S_SCHEMA_VERSION, strict)"
    sed 's/^/    /' "$out/kubeconform"
    failed=1
    continue
  fi
  summary=$(grep -o 'Valid: [0-9]*.*' "$out/kubeconform" | tail -1)
  case "$summary" in *"Skipped: 0") ;; *) summary+=" ($SKIP_KINDS: CRDs, no schema in the Kubernetes API)" ;; esac
  echo "helm: ok   $variant: lint --strict, kubeconform $K8S_SCHEMA_VERSION strict: $summary"
done
echo "helm: checks finished in $(elapsed "$start") ($([ "$failed" = 0 ] && echo passed || echo FAILED))"
exit "$failed"
