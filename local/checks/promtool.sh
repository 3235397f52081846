#!/usr/bin/env bash
# The chart's alerts, run by `npm test`: renders the PrometheusRule of helm/eks-service (release
# `web`, namespace `eks-service`: the names the unit tests use) with the chart's default thresholds,
# takes its `spec` (the template's last key: a Prometheus rule file as it stands), then
#   promtool check rules   (syntax, PromQL, labels and annotation templates)
#   promtool test rules    test/helm/alerts/*.test.yaml: for every alert, series that make it fire
#                          and series that must not
# and fails when an alert of the rule file has no unit test. promtool is built from the Prometheus Go
# module by local/tools/promtool.sh.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
start=$(now)

bash local/tools/helm.sh
bash local/tools/promtool.sh

HELM_BIN=${HELM_BIN:-$ROOT/.tools/bin/helm}
PROMTOOL_BIN=${PROMTOOL_BIN:-$ROOT/.tools/bin/promtool}
CHART=helm/eks-service
TESTS_DIR=test/helm/alerts

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$HELM_BIN" template web "$CHART" --namespace eks-service -f "$CHART/ci/minimal-values.yaml" \
  --set metrics.serviceMonitor.enabled=true --set metrics.prometheusRule.enabled=true \
  --show-only templates/prometheusrule.yaml >"$out/prometheusrule.yaml"
# Everything under `spec:`, one indentation level up.
sed -n '/^spec:$/,$p' "$out/prometheusrule.yaml" | tail -n +2 | sed 's/^  //' >"$out/rules.yaml"
grep -q '^groups:$' "$out/rules.yaml" || die "promtool: no rule groups under spec: in the rendered PrometheusRule"

failed=0
if ! "$PROMTOOL_BIN" check rules "$out/rules.yaml" >"$out/check.log" 2>&1; then
  say "promtool: FAIL check rules"
  sed 's/^/    /' "$out/check.log"
  failed=1
fi

untested=()
while read -r alert; do
  grep -qE "alertname: $alert\$" "$TESTS_DIR"/*.test.yaml || untested+=("$alert")
done < <(sed -n 's/^ *- alert: \([A-Za-z0-9_]*\)$/\1/p' "$out/rules.yaml")
if [ "${#untested[@]}" -gt 0 ]; then
  say "promtool: FAIL alerts without a unit test in $TESTS_DIR: ${untested[*]}"
  failed=1
fi

cp "$TESTS_DIR"/*.test.yaml "$out/"
if ! (cd "$out" && "$PROMTOOL_BIN" test rules ./*.test.yaml) >"$out/test.log" 2>&1; then
  say "promtool: FAIL test rules"
  sed 's/^/    /' "$out/test.log"
  failed=1
fi

alerts=$(grep -c '^ *- alert: ' "$out/rules.yaml")
tests=$(grep -c '^ *- eval_time: ' "$TESTS_DIR"/*.test.yaml | awk -F: '{ n += $2 } END { print n }')
if [ "$failed" = 0 ]; then
  say "promtool: ok   $alerts alerts: check rules, test rules ($tests alert evaluations in $TESTS_DIR)"
fi
say "promtool: checks finished in $(elapsed "$start") ($([ "$failed" = 0 ] && echo passed || echo FAILED))"
exit "$failed"
