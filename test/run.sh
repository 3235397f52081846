#!/usr/bin/env bash
# npm test — every test of the project, from a fresh clone, in four lanes that run side by side:
#   install     what is missing (npm ci, the Python venv, Helm/kubeconform/actionlint/promtool via local/tools);
#   then, at the same time:
#   static      (niced: the tests that measure time get the CPU first) type-check, lint and the jest
#               projects that need no running service (infra, helm, harness);
#   checks      (niced too) one synth of every stage (local/synth.sh) and every local/checks/*.sh that
#               reads files only (cfn-lint and checkov over that one synth, helm lint + kubeconform,
#               actionlint, shellcheck, ...);
#   cluster     the Kubernetes of `npm run local:k8s` started and the image built (no deploy yet);
#   service     the local environment of `npm run local` (emulator, Redis, cdklocal deploy, api +
#               worker); then the jest service project (its own processes and backends) beside the
#               e2e suite against the api, every check marked `# needs: running-service`
#               (Schemathesis); then the processes stop and the same service runs as pods: the e2e
#               suite again against them and the k8s project (helm test, a rolling upgrade under
#               load, deleted and killed pods, the disruption budget).
# Each phase logs to .local/logs/test/<phase>.log and prints one line when it ends; the summary lists
# every phase with its duration and its start (seconds after the run began), the tests counted over
# the jest reports, and the log tail of each failed phase. Exits non-zero when any phase failed.
# Extra arguments replace the jest phases by one jest run, e.g. `npm test -- --selectProjects service`;
# LOCAL_K8S=0 skips the cluster lane and the pods; KEEP_LOCAL=1 leaves the local environment running.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$ROOT" || exit 1
# Not `set -e` here: a failed phase is recorded and the run goes on (run_phase returns its status).
set +e
API_PORT="${LOCAL_API_PORT:-8080}"
export E2E_BASE_URL="http://127.0.0.1:$API_PORT"
RUN="$STATE/test"          # this run's results and jest reports
PHASE_LOGS="$LOGS/test"    # one log per phase (under .local/logs/, which CI uploads on failure)
rm -rf "$RUN" "$PHASE_LOGS"
mkdir -p "$RUN" "$PHASE_LOGS"
export SYNTH_DIR="$RUN/synth"
RUN_START=$(now)
K8S_LANE=1; [ "${LOCAL_K8S:-}" != 0 ] || K8S_LANE=0

# run_phase <name> <command...>: runs one phase with its output in its own log, times it, appends
# "status<TAB>name<TAB>seconds<TAB>start<TAB>log<TAB>CPU seconds" to the results, never aborts the run.
run_phase() {
  local name="$1"; shift
  local log t0 start status=ok
  log="$PHASE_LOGS/$(printf '%s' "$name" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//').log"
  t0=$(now)
  start=$(awk -v a="$RUN_START" -v b="$t0" 'BEGIN { printf "%.0f", b - a }')
  step "$name (log: ${log#"$ROOT"/})"
  # In a subshell, so that `times` reports the CPU of this phase's processes (those it waited for).
  ( "$@" >"$log" 2>&1 </dev/null; rc=$?; times >"$log.times"; exit "$rc" ) || status=FAIL
  local secs cpu
  secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  # `times`: the shell's user and system time, then its children's, as "1m2.345s 0m0.123s".
  cpu=$(awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); sum += t[1] * 60 + t[2] } } END { printf "%.1f", sum }' "$log.times" 2>/dev/null)
  rm -f "$log.times"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$status" "$name" "$secs" "$start" "$log" "${cpu:-0}" >>"$RUN/results"
  printf '%-4s  %s  %ss (CPU %ss)\n' "$status" "$name" "$secs" "${cpu:-0}"
  [ "$status" = ok ]
}

jest_phase() { # jest_phase <name> <report name> <jest args...>
  local name="$1" report="$2"; shift 2
  run_phase "$name" npx jest --ci --verbose --json --outputFile="$RUN/jest-$report.json" "$@"
}

# The checks that need the running api say so in their header (`# needs: running-service`).
needs_service() { grep -q '^# needs: running-service' "$1"; }

lanes=()
started_here=0
cleanup() {
  local pid
  for pid in "${lanes[@]}"; do kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null; done
  if [ "$started_here" = 1 ] && [ "${KEEP_LOCAL:-0}" != 1 ]; then bash "$ROOT/local/down.sh" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_tools() {
  # The Python venvs and the Go-built tools (cached by version under $CACHE) beside npm ci.
  ( ensure_venv && bash local/venv.sh local/requirements-checkov.txt .venv-checkov &&
    for tool in helm kubeconform actionlint promtool; do bash "local/tools/$tool.sh" || die "installing $tool failed"; done ) &
  local tools=$!
  ensure_node_modules
  wait "$tools"
}
check_prerequisites
run_phase install install_tools || die "install failed: $(tail -n 5 "$PHASE_LOGS/install.log")"

static_lane() {
  run_phase typecheck npx tsc --noEmit -p tsconfig.json
  run_phase lint npm run --silent lint
  [ "$#" -gt 0 ] || jest_phase "jest infra, helm, harness" static --selectProjects infra helm harness
}

checks_lane() {
  run_phase "synth (every stage, once)" bash local/synth.sh
  local check
  for check in local/checks/*.sh; do
    needs_service "$check" || run_phase "check $(basename "$check" .sh)" bash "$check"
  done
}

cluster_lane() {
  if [ "${LOCAL_K8S:-local}" = kind ]; then run_phase "cluster start (kind)" bash local/k8s/kind.sh start
  else run_phase "cluster start" bash local/k8s/cluster.sh start; fi
  run_phase "image (npm run image)" bash local/image.sh
}

service_lane() {
  if ! pid_alive "$STATE/pids/api.pid" && ! pid_alive "$STATE/pids/emulator.pid"; then started_here=1; fi
  run_phase "local environment (npm run local)" bash local/up.sh || say "the local environment did not come up; the tests that need it will fail (logs: $LOGS)"
  local service=""
  if [ "$#" -gt 0 ]; then
    jest_phase "jest $*" args "$@"
  else
    # The service project starts its own processes, Redis and tables: it runs beside the phases that
    # use the shared api (e2e, Schemathesis) and the pods.
    set -m; jest_phase "jest service" service --selectProjects service & service=$!; set +m
    lanes+=("$service")
    jest_phase "jest e2e" e2e --selectProjects e2e
  fi
  local check
  for check in local/checks/*.sh; do
    if needs_service "$check"; then run_phase "check $(basename "$check" .sh)" bash "$check"; fi
  done
  if [ "$K8S_LANE" = 1 ]; then
    # The same service as pods. The processes stop first, so that the worker pods alone consume the queue.
    stop_pidfile api >/dev/null; stop_pidfile worker >/dev/null
    rm -f "$STATE/service.env.running"
    [ -z "$cluster" ] || wait "$cluster" 2>/dev/null
    if run_phase "local Kubernetes (npm run local:k8s)" bash local/k8s/up.sh; then
      ( export E2E_BASE_URL="http://127.0.0.1:${LOCAL_K8S_API_PORT:-8090}" E2E_SERVICE_ENV_FILE="$STATE/k8s/service.env"
        jest_phase "jest e2e against the pods" pods --selectProjects e2e )
      jest_phase "jest k8s (helm test, rollout, faults)" k8s --selectProjects k8s --runInBand
    fi
  fi
  [ -z "$service" ] || wait "$service"
}

set -m
( renice -n 10 -p "$BASHPID" >/dev/null; static_lane "$@" ) & static=$!
( renice -n 10 -p "$BASHPID" >/dev/null; checks_lane ) & checks=$!
lanes+=("$static" "$checks")
cluster=""
if [ "$K8S_LANE" = 1 ]; then ( cluster_lane ) & cluster=$!; lanes+=("$cluster"); fi
set +m
service_lane "$@"
wait "$static" "$checks"
[ -z "$cluster" ] || wait "$cluster" 2>/dev/null

echo
echo "Summary (in the order the phases started; at = seconds after the start, CPU = user + system seconds)"
sort -t$'\t' -k4,4n "$RUN/results" |
  awk -F'\t' '{ printf "  %-4s %-42s %7.1fs  at %4ds  CPU %5.0fs\n", $1, $2, $3, $4, $6 }'
failed=$(grep -c '^FAIL' "$RUN/results" || true)
total=$(grep -c . "$RUN/results")
if compgen -G "$RUN/jest-*.json" >/dev/null; then node local/js/jest-summary.js "$RUN"/jest-*.json; fi
while IFS=$'\t' read -r status name _ _ log _; do
  [ "$status" = FAIL ] || continue
  printf '\n--- %s failed; the last lines of %s:\n' "$name" "${log#"$ROOT"/}"
  tail -n 80 "$log"
done <"$RUN/results"
echo "phases: $((total - failed)) passed, $failed failed; npm test took $(elapsed "$RUN_START") on $(nproc) cores"
[ "$failed" -eq 0 ]
