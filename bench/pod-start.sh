#!/usr/bin/env bash
# Pod start-to-ready time of the service in the local cluster (`npm run local:k8s` must be up).
# Each round, for the api and then the worker Deployment:
#   replacement  one Ready pod is deleted (--wait=false); timed from the delete to the moment its
#                replacement (a new pod created by the ReplicaSet) is Ready: pod creation,
#                scheduling, the container's start, Node's start-up and the readiness probe passing
#   rollout      `kubectl rollout restart`, timed to `kubectl rollout status` returning: every pod
#                of the Deployment replaced under its rolling-update strategy
# Before each measurement the Deployment is settled (every replica Ready, no pod terminating).
# Prints one line per measurement and the median/min/max per component and kind, for the image the
# release runs. Results also go to .local/bench/pod-start.json.
# Usage: bash bench/pod-start.sh [rounds]   (default 5)
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/k8s/common.sh"
rounds="${1:-5}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "usage: bash bench/pod-start.sh [rounds]"
ns="$SERVICE_NAMESPACE"
out="$STATE/bench/pod-start.json"
mkdir -p "$STATE/bench"
kubectl -n "$ns" get deploy "$SERVICE_RELEASE-api" "$SERVICE_RELEASE-worker" >/dev/null 2>&1 ||
  die "no $SERVICE_RELEASE Deployments in namespace $ns: run npm run local:k8s first"

ms() { date +%s%3N; }
selector() { echo "app.kubernetes.io/instance=$SERVICE_RELEASE,app.kubernetes.io/component=$1"; }
# Names of the component's pods that are not terminating, with their Ready condition: "<name> True".
pods_ready() {
  kubectl -n "$ns" get pods -l "$(selector "$1")" -o \
    jsonpath='{range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    awk -F'|' '$2 == "" { print $1, $3 }'
}
# settle <component>: waits (at most 180 s) until the Deployment has all its replicas Ready and
# no pod of it is terminating.
settle() {
  local want all ready
  want=$(kubectl -n "$ns" get deploy "$SERVICE_RELEASE-$1" -o jsonpath='{.spec.replicas}')
  for _ in $(seq 1 360); do
    all=$(kubectl -n "$ns" get pods -l "$(selector "$1")" -o name | wc -l)
    ready=$(pods_ready "$1" | grep -c ' True$' || true)
    [ "$all" = "$want" ] && [ "$ready" = "$want" ] && return 0
    sleep 0.5
  done
  die "$1: not settled after 180 s ($ready of $want Ready, $all pods)"
}
# replacement <component>: milliseconds from deleting one Ready pod to its replacement being Ready.
replacement() {
  local old victim t0 new=""
  old=$(pods_ready "$1" | awk '{ print $1 }')
  victim=$(head -n1 <<<"$old")
  t0=$(ms)
  kubectl -n "$ns" delete pod "$victim" --wait=false >/dev/null
  for _ in $(seq 1 600); do
    new=$(pods_ready "$1" | awk '{ print $1 }' | grep -vxF "$old" | head -n1 || true)
    [ -n "$new" ] && break
    sleep 0.1
  done
  [ -n "$new" ] || die "$1: no replacement pod for $victim within 60 s"
  kubectl -n "$ns" wait --for=condition=Ready "pod/$new" --timeout=180s >/dev/null ||
    die "$1: pod $new not Ready within 180 s"
  echo $(($(ms) - t0))
}
# rollout <component>: milliseconds from `rollout restart` to `rollout status` returning.
rollout() {
  local t0
  t0=$(ms)
  kubectl -n "$ns" rollout restart "deploy/$SERVICE_RELEASE-$1" >/dev/null
  kubectl -n "$ns" rollout status "deploy/$SERVICE_RELEASE-$1" --timeout=300s >/dev/null ||
    die "$1: rollout not complete within 300 s"
  echo $(($(ms) - t0))
}

image=$(kubectl -n "$ns" get deploy "$SERVICE_RELEASE-api" -o jsonpath='{.spec.template.spec.containers[0].image}')
say "pod start-to-ready: $rounds round(s), image $image"
results=()
for round in $(seq 1 "$rounds"); do
  for component in api worker; do
    settle "$component"
    r=$(replacement "$component")
    settle "$component"
    o=$(rollout "$component")
    printf '  round %s %-6s replacement %6.2f s   rollout %6.2f s\n' "$round" "$component" \
      "$(awk -v v="$r" 'BEGIN { print v / 1000 }')" "$(awk -v v="$o" 'BEGIN { print v / 1000 }')"
    results+=("$component replacement $r" "$component rollout $o")
  done
done
settle api; settle worker

replicas() { kubectl -n "$ns" get deploy "$SERVICE_RELEASE-$1" -o jsonpath='{.spec.replicas}'; }
# shellcheck disable=SC2016 # JavaScript, not shell
printf '%s\n' "${results[@]}" | node -e '
  const [image, apiReplicas, workerReplicas, out] = process.argv.slice(1);
  const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => l.split(" "));
  const stats = {};
  for (const [component, kind, value] of rows) ((stats[component] ??= {})[kind] ??= []).push(Number(value) / 1000);
  const summary = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1;
    return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], values: v }; };
  const result = { image, replicas: { api: Number(apiReplicas), worker: Number(workerReplicas) }, seconds: {} };
  for (const [component, kinds] of Object.entries(stats)) {
    result.seconds[component] = {};
    for (const [kind, values] of Object.entries(kinds)) {
      const s = (result.seconds[component][kind] = summary(values));
      console.log(`${component.padEnd(6)} ${kind.padEnd(11)} median ${s.median.toFixed(2)} s  (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, n=${values.length})`);
    }
  }
  require("fs").writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
' "$image" "$(replicas api)" "$(replicas worker)" "$out"
say "results: ${out#"$ROOT"/}"
