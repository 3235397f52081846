#!/usr/bin/env bash
# npm run local:k8s — the service on a real single-node Kubernetes, from the same image and chart
# that go to EKS:
#   1. what `npm run local` sets up (emulator, Redis, cdklocal deploy of the local stage), without
#      the api and worker processes;
#   2. the cluster (local/k8s/cluster.sh: built once from the Go module proxy, cached by version;
#      with LOCAL_K8S=kind, local/k8s/kind.sh makes a kind cluster instead);
#   3. the image (`npm run image`: Docker where an engine answers, else podman/buildah);
#   4. the chart (local/k8s/deploy.sh) into a namespace that enforces Pod Security "restricted";
#   5. prints the API and Swagger URLs on 127.0.0.1, the KUBECONFIG path and how to stop.
# Idempotent: a second run keeps what runs and only upgrades the release when something changed.
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
T0=$(now)
current=""
on_exit() { local rc=$?; if [ "$rc" -ne 0 ] && [ -n "$current" ]; then echo "npm run local:k8s: step \"$current\" failed (logs in $LOGS)" >&2; fi; }
trap on_exit EXIT
phase() { current="$1"; step "$1"; }

phase "local stack (emulator, Redis, cdklocal deploy)"; LOCAL_SKIP_SERVICE=1 bash "$ROOT/local/up.sh"
if [ "$K8S_PROVIDER" = kind ]; then phase "kind cluster"; bash "$ROOT/local/k8s/kind.sh" start
else phase "Kubernetes $K8S_VERSION cluster"; bash "$ROOT/local/k8s/cluster.sh" start; fi
phase "image"; bash "$ROOT/local/image.sh"
phase "chart"; bash "$ROOT/local/k8s/deploy.sh"
current=""
base="http://127.0.0.1:$K8S_SERVICE_PORT"
cat <<MSG

Local Kubernetes ready in $(elapsed "$T0"):
  API:        $base            (try: curl -s $base/readyz)
  Swagger:    $base/swagger/
  KUBECONFIG: $KUBECONFIG   (kubectl: .tools/bin/kubectl -n $SERVICE_NAMESPACE get pods)
  Logs:       $LOGS/ (pods: kubectl logs)
  Stop:       npm run local:down
MSG
