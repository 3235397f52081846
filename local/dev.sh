#!/usr/bin/env bash
# npm run dev — the local environment of `npm run local`, with the api and the worker run from
# service/src by `tsx watch`: each restarts on every saved change under service/src (the old process
# is stopped before the new one starts, so nothing stale keeps serving), while `tsc --watch` prints
# type errors beside them. Runs in the foreground; Ctrl-C stops the api, the worker and the type
# checker (the emulator and Redis keep running; `npm run local:down` stops them).
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
API_PORT="${LOCAL_API_PORT:-8080}"
LOCAL_SKIP_SERVICE=1 bash "$ROOT/local/up.sh"
# The processes of `npm run local` on the same ports: dev mode replaces them.
if pid_alive "$STATE/pids/api.pid" && curl -fsS --max-time 2 "http://127.0.0.1:$API_PORT/healthz" >/dev/null 2>&1; then
  stop_pidfile api; stop_pidfile worker
fi
envfile="$STATE/service.env"
(umask 077; bash "$ROOT/local/service.sh" env >"$envfile")
while IFS= read -r line; do export "${line%%=*}=${line#*=}"; done <"$envfile"
cp "$envfile" "$STATE/service.env.running"

children=()
cleanup() { for pid in "${children[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# Each in its own process group (setsid), so that Ctrl-C and the cleanup reach tsx's child too.
start() { setsid "$@" & children+=("$!"); }
tsx="$ROOT/node_modules/.bin/tsx"
# No load balancer to leave in dev mode: a restart should not wait for the api's SIGTERM drain.
start env PORT="$API_PORT" SHUTDOWN_DRAIN_DELAY_MS=0 "$tsx" watch --clear-screen=false "$ROOT/service/src/server.ts"
start env PORT="$((API_PORT + 1))" "$tsx" watch --clear-screen=false "$ROOT/service/src/worker.ts"
start "$ROOT/node_modules/.bin/tsc" --noEmit --watch --preserveWatchOutput -p "$ROOT/service/tsconfig.json"
wait_for "api /readyz on port $API_PORT" "${API_START_TIMEOUT:-60}" /dev/null \
  curl -fsS --max-time 3 "http://127.0.0.1:$API_PORT/readyz"
cat <<MSG

Dev mode: the api (http://127.0.0.1:$API_PORT, Swagger /swagger/) and the worker (:$((API_PORT + 1)))
restart on every change under service/src; type errors appear here. Ctrl-C stops them.
MSG
wait
