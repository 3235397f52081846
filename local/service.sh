#!/usr/bin/env bash
# local/service.sh build | start [port] | env — builds the service (tsc, skipped when up to date)
# and runs the api and the worker as background processes against the deployed local stack.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cmd="${1:-start}"

# The service's environment (service/README.md), from the stack outputs cdklocal wrote.
service_env() {
  [ -f "$STATE/outputs.json" ] || die "no stack outputs at $STATE/outputs.json: run npm run local first"
  node "$ROOT/local/js/service-env.js" "$STATE/outputs.json"
  echo "REDIS_URL=$REDIS_URL"
  echo "LOG_LEVEL=${LOG_LEVEL:-info}"
  echo "APP_VERSION=local"
  # Tracing is off unless asked for: OTEL_* variables of the caller's shell reach the api and worker.
  env | grep -E '^OTEL_' || true
}

case "$cmd" in
  build)
    stamp="$ROOT/service/dist/.built"
    if [ -f "$stamp" ] && [ -z "$(find "$ROOT/service/src" "$ROOT/service/tsconfig.json" -newer "$stamp" -print -quit)" ]; then
      say "service: build up to date"; exit 0
    fi
    t0=$(now)
    : >"$LOGS/service-build.log"
    run_logged "service build" "$LOGS/service-build.log" in_root npm run build -w service
    touch "$stamp"
    say "service: built in $(elapsed "$t0")"
    ;;
  env) service_env ;;
  start)
    port="${2:-8080}"
    envfile="$STATE/service.env"
    (umask 077; service_env >"$envfile")
    if pid_alive "$STATE/pids/api.pid" && curl -fsS --max-time 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 &&
      cmp -s "$envfile" "$STATE/service.env.running" && [ ! "$ROOT/service/dist/.built" -nt "$STATE/service.env.running" ]; then
      say "api: already running and ready on http://127.0.0.1:$port (pid $(cat "$STATE/pids/api.pid"))"; exit 0
    fi
    stop_pidfile api; stop_pidfile worker
    # KEY=value lines, read literally (a generated secret may hold any punctuation).
    while IFS= read -r line; do export "${line%%=*}=${line#*=}"; done <"$envfile"
    # The api serves on $port; the worker serves its /healthz and /metrics on the next port.
    start_background api "$LOGS/api.log" env PORT="$port" node "$ROOT/service/dist/server.js"
    start_background worker "$LOGS/worker.log" env PORT="$((port + 1))" node "$ROOT/service/dist/worker.js"
    t0=$(now)
    wait_for "api /readyz on port $port" "${API_START_TIMEOUT:-60}" "$LOGS/api.log" \
      curl -fsS --max-time 3 "http://127.0.0.1:$port/readyz"
    pid_alive "$STATE/pids/worker.pid" || fail_with_log "worker exited" "$LOGS/worker.log"
    wait_for "worker /healthz on port $((port + 1))" 30 "$LOGS/worker.log" curl -fsS --max-time 3 "http://127.0.0.1:$((port + 1))/healthz"
    # Recorded only once both are up: a later run compares against it to decide whether to restart.
    cp "$envfile" "$STATE/service.env.running"
    say "api: ready on http://127.0.0.1:$port after $(elapsed "$t0") (pid $(cat "$STATE/pids/api.pid")); worker on port $((port + 1)) (pid $(cat "$STATE/pids/worker.pid"))"
    ;;
  *) die "usage: local/service.sh build | start [port] | env" ;;
esac
