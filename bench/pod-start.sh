#!/usr/bin/env bash
# Pod start-to-ready time of the service in the local cluster (`npm run local:k8s` must be up).
# Each round, for every image measured, for the api and then the worker Deployment:
#   replacement  one Ready pod is deleted (--wait=false); timed from the delete to the moment its
#                replacement (a new pod created by the ReplicaSet) is Ready: pod creation,
#                scheduling, the container's start, Node's start-up and the readiness probe passing
#   rollout      `kubectl rollout restart`, timed to `kubectl rollout status` returning: every pod
#                of the Deployment replaced under its rolling-update strategy
# and, per image, what a node without it pays before that (there is no registry here, so no pull):
#   import       `ctr images import` of the image into an empty containerd namespace of the node:
#                its layers stored and unpacked into the snapshotter, as after a pull
#   gzip         the image (its OCI export) gzip-compressed, once: about what a registry sends
# Before each measurement the Deployment is settled (every replica Ready, no pod terminating).
# Images given as arguments (localhost/eks-service:<tag>, already on the node: npm run image and
# deploy import them) are measured in turn within each round, so that the machine's varying load
# falls on all of them alike; the Deployments get each image with `kubectl set image` and their
# own image back at the end. Without images: the image the release runs.
# Prints one line per measurement and the median/min/max per image, component and kind; results
# also go to .local/bench/pod-start.json.
# Usage: bash bench/pod-start.sh [rounds] [image...]   (default: 5 rounds, the release's image)
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/k8s/common.sh"
rounds="${1:-5}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "usage: bash bench/pod-start.sh [rounds] [image...]"
shift $(($# > 0 ? 1 : 0))
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

# import_ms <archive>: milliseconds to import the image archive into a containerd namespace of its
# own (then removed, with what it stored).
BENCH_CTR_NS=pod-start-bench
ctr_bench() { "$CONTAINERD_BIN/ctr" --address "$CONTAINERD_SOCK" --namespace "$BENCH_CTR_NS" "$@"; }
bench_clear() {
  local refs
  mapfile -t refs < <(ctr_bench images ls -q 2>/dev/null)
  [ "${#refs[@]}" -eq 0 ] || ctr_bench images rm --sync "${refs[@]}" >/dev/null 2>&1 || true
}
import_ms() {
  local t0 taken
  bench_clear
  t0=$(ms)
  ctr_bench images import "$1" >/dev/null 2>&1 || die "importing $1 into containerd failed"
  taken=$(($(ms) - t0))
  bench_clear
  echo "$taken"
}
set_image() { # set_image <image>: both Deployments run it (waits for the rollouts)
  local c
  for c in api worker; do
    kubectl -n "$ns" set image "deploy/$SERVICE_RELEASE-$c" "$c=$1" >/dev/null
  done
  for c in api worker; do
    kubectl -n "$ns" rollout status "deploy/$SERVICE_RELEASE-$c" --timeout=300s >/dev/null || die "$c: rollout to $1 not complete"
  done
}
image_of() { kubectl -n "$ns" get deploy "$SERVICE_RELEASE-$1" -o jsonpath='{.spec.template.spec.containers[0].image}'; }

own_api=$(image_of api) own_worker=$(image_of worker)
images=("$@")
[ "${#images[@]}" -gt 0 ] || images=("$own_api")
work=$(mktemp -d)
restore() {
  rm -rf "$work"
  bench_clear
  ctr_bench namespaces rm "$BENCH_CTR_NS" >/dev/null 2>&1 || true
  if [ "$(image_of api)" != "$own_api" ] || [ "$(image_of worker)" != "$own_worker" ]; then
    kubectl -n "$ns" set image "deploy/$SERVICE_RELEASE-api" "api=$own_api" >/dev/null || true
    kubectl -n "$ns" set image "deploy/$SERVICE_RELEASE-worker" "worker=$own_worker" >/dev/null || true
    say "restored the release's images ($own_api)"
  fi
}
trap restore EXIT
say "pod start-to-ready: $rounds round(s), image(s): ${images[*]}"
results=()
declare -A archive
for i in "${!images[@]}"; do
  img="${images[$i]}"
  ctr_k8s images ls -q 2>/dev/null | grep -qxF "$img" || die "$img is not on the node (npm run image, then deploy imports it)"
  archive[$img]="$work/$i.tar"
  ctr_k8s images export "${archive[$img]}" "$img" 2>/dev/null || die "exporting $img from the node failed"
  results+=("$img image gzip $(gzip -6 -c "${archive[$img]}" | wc -c)")
done
for round in $(seq 1 "$rounds"); do
  for img in "${images[@]}"; do
    [ "${#images[@]}" -eq 1 ] || [ "$(image_of api)" = "$img" ] || set_image "$img"
    m=$(import_ms "${archive[$img]}")
    results+=("$img image import $m")
    for component in api worker; do
      settle "$component"
      r=$(replacement "$component")
      settle "$component"
      o=$(rollout "$component")
      printf '  round %s %s %-6s replacement %6.2f s   rollout %6.2f s   (image import %.2f s)\n' "$round" "${img##*:}" "$component" \
        "$(awk -v v="$r" 'BEGIN { print v / 1000 }')" "$(awk -v v="$o" 'BEGIN { print v / 1000 }')" "$(awk -v v="$m" 'BEGIN { print v / 1000 }')"
      results+=("$img $component replacement $r" "$img $component rollout $o")
    done
  done
done
settle api; settle worker

replicas() { kubectl -n "$ns" get deploy "$SERVICE_RELEASE-$1" -o jsonpath='{.spec.replicas}'; }
printf '%s\n' "${results[@]}" | node "$ROOT/bench/lib/pod-start-report.js" "$(replicas api)" "$(replicas worker)" "$out"
say "results: ${out#"$ROOT"/}"
