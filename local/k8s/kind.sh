#!/usr/bin/env bash
# local/k8s/kind.sh start|stop|load <image archive>|expose-host <name> <port>|expose-api <service> <port>
# The LOCAL_K8S=kind variant of local/k8s/cluster.sh, for machines with a Docker engine and kind:
# the same image, chart and values on a kind cluster instead of the built-in one. It keeps to what
# kind itself offers: `kind create cluster` with the node image of $K8S_VERSION, `kind load
# image-archive`, the host reached by pods at the kind network's gateway, and `kubectl
# port-forward` for 127.0.0.1:$K8S_SERVICE_PORT.
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
KIND_CLUSTER="${LOCAL_KIND_CLUSTER:-eks-cdk-reference}"
KIND_NODE_IMAGE="${LOCAL_KIND_NODE_IMAGE:-kindest/node:$K8S_VERSION}"
cmd="${1:-start}"

require_kind() {
  command -v kind >/dev/null || die "LOCAL_K8S=kind needs kind on the PATH (or unset LOCAL_K8S for the built-in cluster)"
  docker info >/dev/null 2>&1 || die "LOCAL_K8S=kind needs a Docker engine that answers (docker info)"
  [ -x "$KUBECTL_BIN" ] || die "LOCAL_K8S=kind needs kubectl (on the PATH, or KUBECTL=<path>)"
}

# The address the pods reach the host at: the kind network's IPv4 gateway.
gateway() { docker network inspect kind -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' | tr ' ' '\n' | grep -m1 -E '^[0-9.]+$'; }

case "$cmd" in
  start)
    require_kind
    if ! kind get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER"; then
      kind create cluster --name "$KIND_CLUSTER" --image "$KIND_NODE_IMAGE" --wait 120s
    fi
    (umask 077; kind get kubeconfig --name "$KIND_CLUSTER" >"$KUBECONFIG")
    # As the built-in node does: the chart spreads the api over zones.
    kubectl label node --all --overwrite "topology.kubernetes.io/zone=$K8S_ZONE" >/dev/null
    echo kind >"$K8S_STATE/provider"
    cat >"$K8S_ENV_FILE" <<ENV
KUBECONFIG=$KUBECONFIG
KUBECTL=$KUBECTL_BIN
HELM=$ROOT/.tools/bin/helm
K8S_PROVIDER=kind
K8S_NAMESPACE=$SERVICE_NAMESPACE
K8S_RELEASE=$SERVICE_RELEASE
K8S_API_URL=http://127.0.0.1:$K8S_SERVICE_PORT
ENV
    say "cluster: kind $KIND_CLUSTER ready (KUBECONFIG=$KUBECONFIG)"
    ;;
  load) kind load image-archive "$2" --name "$KIND_CLUSTER" ;;
  expose-host)
    # expose-host <name> <port>: 127.0.0.1:<port> of the host (the emulator, Redis) at <gateway>:<port>
    # for the pods; prints that address.
    ip=$(gateway) || die "no IPv4 gateway on the docker network kind"
    if ! pid_alive "$STATE/pids/k8s-out-$2.pid"; then
      start_background "k8s-out-$2" "$LOGS/k8s-forward-$2.log" \
        socat "TCP-LISTEN:$3,bind=$ip,fork,reuseaddr" "TCP:127.0.0.1:$3"
    fi
    echo "$ip:$3"
    ;;
  expose-api)
    stop_forwarder k8s-in-api >/dev/null
    start_background k8s-in-api "$LOGS/k8s-forward-api.log" \
      "$KUBECTL_BIN" -n "$SERVICE_NAMESPACE" port-forward --address 127.0.0.1 "service/$2" "$K8S_SERVICE_PORT:$3"
    ;;
  stop)
    stop_forwarder k8s-in-api
    for pidfile in "$STATE"/pids/k8s-out-*.pid; do [ -e "$pidfile" ] && stop_forwarder "$(basename "$pidfile" .pid)"; done
    if command -v kind >/dev/null && kind get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER"; then
      kind delete cluster --name "$KIND_CLUSTER"
    fi
    rm -f "$K8S_ENV_FILE" "$K8S_STATE/provider"
    say "kind cluster stopped"
    ;;
  *) die "usage: local/k8s/kind.sh start|stop|load <archive>|expose-host <name> <port>|expose-api <service> <port>" ;;
esac
