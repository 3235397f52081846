#!/usr/bin/env bash
# npm test — every test of the project, from a fresh clone:
#   installs what is missing (npm ci, Python venv, Helm/kubeconform/actionlint via local/tools),
#   brings up the local environment exactly as `npm run local` does (emulator, Redis, cdklocal
#   deploy of the local stage, api + worker), runs type-check and lint, every jest project
#   (infra, service, helm, e2e) and every script in local/checks/ (helm lint + kubeconform,
#   cfn-lint, actionlint); then the same service on the local Kubernetes of `npm run local:k8s`:
#   the e2e suite again against the pods, and the k8s project (helm test, a rolling upgrade under
#   load, deleted and killed pods, the disruption budget). Prints a summary, stops what it started.
# Extra arguments go to jest, e.g. `npm test -- --selectProjects service`; LOCAL_K8S=0 skips the cluster.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
API_PORT="${LOCAL_API_PORT:-8080}"
export E2E_BASE_URL="http://127.0.0.1:$API_PORT"
results=()
failed=0
record() { results+=("$(printf '%-5s %-28s %s' "$1" "$2" "$3")"); [ "$1" = ok ] || failed=$((failed + 1)); }

# run_phase <name> <command...>: runs one phase, times it, records pass/fail, never aborts the run.
run_phase() {
  local name="$1"; shift
  local t0; t0=$(now)
  step "$name"
  if "$@"; then record ok "$name" "$(elapsed "$t0")"; else record FAIL "$name" "$(elapsed "$t0")"; fi
}

started_here=0
cleanup() { if [ "$started_here" = 1 ] && [ "${KEEP_LOCAL:-0}" != 1 ]; then bash "$ROOT/local/down.sh" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

check_prerequisites
t0=$(now)
ensure_node_modules
ensure_venv
# Go-built tools (cached under ~/.cache/eks-cdk-reference by version; minutes on a cold machine).
for tool in helm kubeconform actionlint; do bash "$ROOT/local/tools/$tool.sh" || die "installing $tool failed"; done
record ok "install" "$(elapsed "$t0")"

if ! pid_alive "$STATE/pids/api.pid" && ! pid_alive "$STATE/pids/emulator.pid"; then started_here=1; fi
if ! run_phase "local environment (npm run local)" bash "$ROOT/local/up.sh"; then
  say "the local environment did not come up; the tests that need it will fail (logs: $LOGS)"
fi

run_phase "typecheck" npx tsc --noEmit -p tsconfig.json
run_phase "lint" npm run --silent lint

jest_json="$STATE/jest-results.json"
rm -f "$STATE"/jest-results*.json
# Without arguments: every project but k8s, which runs below against the cluster.
jest_args=("$@"); [ "${#jest_args[@]}" -gt 0 ] || jest_args=(--selectProjects infra service helm harness e2e)
run_phase "jest (infra, service, helm, harness, e2e)" npx jest --ci --verbose --json --outputFile="$jest_json" "${jest_args[@]}"

for check in "$ROOT"/local/checks/*.sh; do
  [ -e "$check" ] || continue
  run_phase "check $(basename "$check" .sh)" bash "$check"
done

# The same service on a real Kubernetes (npm run local:k8s): the image, the chart, the pods. The
# processes' api and worker stop first, so that the worker pods alone consume the queue.
if [ "${LOCAL_K8S:-1}" != 0 ]; then
  stop_pidfile api >/dev/null; stop_pidfile worker >/dev/null
  rm -f "$STATE/service.env.running"
  if run_phase "local Kubernetes (npm run local:k8s)" bash "$ROOT/local/k8s/up.sh"; then
    k8s_url="http://127.0.0.1:${LOCAL_K8S_API_PORT:-8090}"
    run_phase "jest e2e against the pods" env E2E_BASE_URL="$k8s_url" E2E_SERVICE_ENV_FILE="$STATE/k8s/service.env" \
      npx jest --ci --verbose --selectProjects e2e --json --outputFile="$STATE/jest-results-pods.json"
    run_phase "jest k8s (helm test, rollout, faults)" \
      npx jest --ci --verbose --selectProjects k8s --runInBand --json --outputFile="$STATE/jest-results-k8s.json"
  fi
fi

echo
echo "Summary"
printf '  %s\n' "${results[@]}"
if compgen -G "$STATE/jest-results*.json" >/dev/null; then
  node -e 'const t = { p: 0, f: 0, s: 0 };
    for (const f of process.argv.slice(1)) { const r = require(f); t.p += r.numPassedTests; t.f += r.numFailedTests; t.s += r.numPendingTests; }
    console.log(`tests: ${t.p} passed, ${t.f} failed` + (t.s ? `, ${t.s} skipped` : ""));' "$STATE"/jest-results*.json
fi
echo "phases: $(( ${#results[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
