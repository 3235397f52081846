#!/usr/bin/env bash
# Edit-to-serving time of `npm run dev`: starts dev mode (on LOCAL_API_PORT, default 9080), then
# ROUNDS times appends a comment line to a service source file and measures the time from the write
# to the first answer of the restarted api (GET /metrics reports a new process_start_time_seconds
# and GET /readyz is 200). Restores the file and stops dev mode at the end. Loopback only.
# Usage: bash bench/dev-reload.sh [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${LOCAL_API_PORT:-9080}" rounds="${1:-5}" file="$ROOT/service/src/libraries/logger/index.ts"
log="$ROOT/.local/logs/dev-reload.log"
mkdir -p "$ROOT/.local/logs"
backup=$(mktemp)
cp "$file" "$backup"
LOCAL_API_PORT="$port" setsid bash "$ROOT/local/dev.sh" >"$log" 2>&1 &
dev=$!
finish() { cp "$backup" "$file"; rm -f "$backup"; kill -TERM -- "-$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; }
trap finish EXIT
started() { curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" | awk '/^process_start_time_seconds /{print $2}'; }
ready() { curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/readyz"; }
for _ in $(seq 1 300); do ready 2>/dev/null && break; sleep 0.2; done
ready || { tail -20 "$log"; echo "dev mode did not come up (log: $log)" >&2; exit 1; }
times=()
for i in $(seq 1 "$rounds"); do
  before=$(started)
  t0=$(date +%s%N)
  printf '// dev-reload round %s\n' "$i" >>"$file"
  for _ in $(seq 1 600); do
    now=$(started 2>/dev/null || true)
    if [ -n "$now" ] && [ "$now" != "$before" ] && ready 2>/dev/null; then break; fi
    sleep 0.05
  done
  t1=$(date +%s%N)
  if [ -z "$now" ] || [ "$now" = "$before" ]; then echo "round $i: the api did not restart within 30 s (log: $log)" >&2; exit 1; fi
  times+=("$(( (t1 - t0) / 1000000 ))")
  printf 'round %s: edit to serving %s ms\n' "$i" "${times[-1]}"
  sleep 1
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "edit to serving over %d rounds: median %d ms, min %d ms, max %d ms\n", NR, a[int((NR+1)/2)], a[1], a[NR]}'
