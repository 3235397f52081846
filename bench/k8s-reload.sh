#!/usr/bin/env bash
# Edit-to-serving time of the local Kubernetes mode: brings up `npm run local:k8s` (or reuses it),
# then ROUNDS times appends a comment line to a service source file and runs `npm run local:k8s`
# again, which rebuilds only the changed image layers and rolls the pods to the new tag. Per round it
# prints the time from the write to the image being built, to the first answer of a new api pod
# (GET /metrics through the forwarded Service reports a process_start_time_seconds not seen before),
# and to the rollout being complete (helm --wait returned). Restores the file and the original image
# at the end. Loopback only (the forwarded port 127.0.0.1:$LOCAL_K8S_API_PORT).
# Usage: bash bench/k8s-reload.sh [rounds]
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
port="${LOCAL_K8S_API_PORT:-8090}" rounds="${1:-3}" file="$ROOT/service/src/libraries/logger/index.ts"
log="$LOGS/k8s-reload.log"
backup=$(mktemp)
cp "$file" "$backup"
restore() {
  cp "$backup" "$file"
  rm -f "$backup"
  say "restoring the original image"
  bash "$ROOT/local/k8s/up.sh" >>"$log" 2>&1 || say "restoring failed (log: $log)"
}
trap restore EXIT

ms() { date +%s%3N; }
start_times() { curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" 2>/dev/null | awk '/^process_start_time_seconds /{print $2}' || true; }

say "npm run local:k8s (log: $log)"
bash "$ROOT/local/k8s/up.sh" >"$log" 2>&1 || die "npm run local:k8s failed (log: $log)"

results=()
for i in $(seq 1 "$rounds"); do
  # The start times of the pods serving now (the Service balances over them: ask a few times).
  seen=" "
  for _ in $(seq 1 20); do seen+="$(start_times) "; done
  t0=$(ms)
  printf '// k8s-reload round %s\n' "$i" >>"$file"
  first="$STATE/k8s-reload.first"
  rm -f "$first"
  # Poller: the first answer from a process whose start time was not seen before (bounded: 600 s).
  (
    for _ in $(seq 1 6000); do
      now=$(start_times)
      if [ -n "$now" ] && [[ "$seen" != *" $now "* ]]; then ms >"$first"; exit 0; fi
      sleep 0.1
    done
  ) &
  poller=$!
  bash "$ROOT/local/image.sh" >>"$log" 2>&1 || die "round $i: npm run image failed (log: $log)"
  t_image=$(ms)
  bash "$ROOT/local/k8s/up.sh" >>"$log" 2>&1 || die "round $i: npm run local:k8s failed (log: $log)"
  t_rolled=$(ms)
  wait "$poller" || true
  [ -s "$first" ] || die "round $i: no new api pod answered (log: $log)"
  t_first=$(cat "$first")
  printf 'round %s: image built %s ms, first answer of a new pod %s ms, rollout complete %s ms\n' \
    "$i" "$((t_image - t0))" "$((t_first - t0))" "$((t_rolled - t0))"
  results+=("$((t_image - t0)) $((t_first - t0)) $((t_rolled - t0))")
done
printf '%s\n' "${results[@]}" | node "$ROOT/bench/lib/k8s-reload-report.js"
