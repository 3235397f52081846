#!/usr/bin/env bash
# npm run local:down — stops exactly what `npm run local` and `npm run local:k8s` started (by pid
# file; for the cluster also its pods, mounts, cgroups and network namespace), nothing else.
# `npm run local:down -- --purge` also deletes the cluster's state (etcd data, PKI, node images).
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "$(cat "$STATE/k8s/provider" 2>/dev/null)" = kind ]; then
  bash "$ROOT/local/k8s/kind.sh" stop
elif compgen -G "$STATE/pids/k8s-*.pid" >/dev/null || [ -f "$STATE/k8s/provider" ]; then
  bash "$ROOT/local/k8s/cluster.sh" stop
fi
for name in worker api redis emulator; do stop_pidfile "$name"; done
if [ "${1:-}" = --purge ]; then rm -rf "$STATE/k8s"; say "removed $STATE/k8s"; fi
say "local environment stopped"
