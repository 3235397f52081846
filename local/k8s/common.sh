#!/usr/bin/env bash
# Sourced by the local/k8s scripts: the local cluster's names, addresses and paths (one home).
#
# The cluster lives in a network namespace of its own ($K8S_NETNS): the control plane, the kubelet,
# containerd, kube-proxy and the pod network (a bridge with $K8S_POD_CIDR). Nothing in the host's
# namespace ever connects to an address inside it: the host reaches the cluster only through
# forwarders that listen on 127.0.0.1 and cross into the namespace over a Unix socket, and the pods
# reach the emulator and Redis on the host's loopback the same way, at the node address.
# shellcheck disable=SC2034 # the variables below are read by the scripts that source this file
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=local/k8s/versions.sh
source "$ROOT/local/k8s/versions.sh"

K8S_NETNS="${LOCAL_K8S_NETNS:-eks-cdk-reference}"
K8S_NODE_NAME=local-node
K8S_NODE_IP=10.220.0.1            # inside the namespace only (kubelet refuses a loopback node IP)
K8S_POD_CIDR=10.244.0.0/24
K8S_SERVICE_CIDR=10.96.0.0/16
K8S_API_SERVICE_IP=10.96.0.1
K8S_DNS_IP=10.96.0.10
K8S_ZONE=local-a                  # topology.kubernetes.io/zone of the node (the chart spreads by zone)
K8S_CGROUP_ROOT="/$K8S_NETNS"     # the pods' cgroups (one tree per cluster)
# Host ports (127.0.0.1): the Kubernetes API and the service's API.
K8S_APISERVER_PORT="${LOCAL_K8S_APISERVER_PORT:-6443}"
K8S_SERVICE_PORT="${LOCAL_K8S_API_PORT:-8090}"

K8S_STATE="$STATE/k8s"            # PKI, etcd data, kubelet and containerd state (removed by local:down -- --purge)
K8S_RUN="$K8S_STATE/run"          # sockets
K8S_BIN="$CACHE/k8s/kubernetes-$K8S_VERSION"
ETCD_BIN="$CACHE/k8s/etcd-$ETCD_VERSION"
CONTAINERD_BIN="$CACHE/k8s/containerd-$CONTAINERD_VERSION"
COREDNS_BIN="$CACHE/k8s/coredns-$COREDNS_VERSION"
K8S_IMAGES="$CACHE/k8s/images"
CONTAINERD_SOCK="$K8S_RUN/containerd.sock"
export KUBECONFIG="$K8S_STATE/kubeconfig"
K8S_ENV_FILE="$K8S_STATE/env"     # what the tests read: KUBECONFIG, URLs, namespace, release
PAUSE_IMAGE="localhost/pause:$K8S_VERSION"
COREDNS_IMAGE="localhost/coredns:$COREDNS_VERSION"
SERVICE_NAMESPACE=eks-service
SERVICE_RELEASE=eks-service
mkdir -p "$K8S_STATE" "$K8S_RUN"

# in_netns <command...>: runs the command in the cluster's network namespace (and nothing else:
# the mount namespace stays the host's, so the kubelet's and containerd's mounts are shared).
in_netns() { nsenter --net="/run/netns/$K8S_NETNS" -- "$@"; }
netns_exists() { [ -e "/run/netns/$K8S_NETNS" ]; }
# Which checkout's cluster lives in the namespace: one owner at a time, so that `local:down` in one
# clone never removes the namespace or the pods of another.
NETNS_OWNER_FILE="/run/eks-cdk-reference/$K8S_NETNS.owner"
netns_owner() { cat "$NETNS_OWNER_FILE" 2>/dev/null || true; }
netns_ours() { netns_exists && [ "$(netns_owner)" = "$ROOT" ]; }
# Which cluster: the built-in one (cluster.sh) or, with LOCAL_K8S=kind, a kind cluster (kind.sh);
# a running cluster remembers its kind, so local:down stops the right one.
K8S_PROVIDER="${LOCAL_K8S:-$(cat "$K8S_STATE/provider" 2>/dev/null || echo local)}"
case "$K8S_PROVIDER" in local|kind) ;; *) die "LOCAL_K8S must be local (the default) or kind, not $K8S_PROVIDER" ;; esac
# kubectl: the one built with the cluster; for kind, $KUBECTL or the first on the PATH.
KUBECTL_BIN="$K8S_BIN/kubectl"
if [ "$K8S_PROVIDER" = kind ]; then KUBECTL_BIN="${KUBECTL:-$(type -P kubectl || echo "$K8S_BIN/kubectl")}"; fi
kubectl() { "$KUBECTL_BIN" "$@"; }
ctr_k8s() { "$CONTAINERD_BIN/ctr" --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# stop_forwarder <pid file name>: a forking socat serves each connection in a child of its own;
# stop the listener and those children (its process group: start_background gives it a session).
stop_forwarder() {
  local pidfile="$STATE/pids/$1.pid"
  if pid_alive "$pidfile"; then kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || true; say "stopped $1"; fi
  rm -f "$pidfile"
}

# forward_in <name> <host port> <address:port in the namespace>: 127.0.0.1:<host port> on the host
# reaches <address:port> inside the namespace (two socat processes joined by a Unix socket).
forward_in() {
  local name=$1 port=$2 target=$3 sock="$K8S_RUN/in-$1.sock"
  if pid_alive "$STATE/pids/k8s-in-$name-host.pid" && pid_alive "$STATE/pids/k8s-in-$name-ns.pid" &&
    [ "$(cat "$K8S_RUN/in-$name.target" 2>/dev/null)" = "$port $target" ]; then return 0; fi
  stop_forwarder "k8s-in-$name-host" >/dev/null; stop_forwarder "k8s-in-$name-ns" >/dev/null
  start_background "k8s-in-$name-ns" "$LOGS/k8s-forward-$name.log" \
    nsenter --net="/run/netns/$K8S_NETNS" -- socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP:$target"
  start_background "k8s-in-$name-host" "$LOGS/k8s-forward-$name-host.log" \
    socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock"
  echo "$port $target" >"$K8S_RUN/in-$name.target"
  wait_for "forwarder $name (127.0.0.1:$port)" 10 "$LOGS/k8s-forward-$name.log" test -S "$sock"
}

# forward_out <name> <address:port in the namespace> <host port>: pods reach 127.0.0.1:<host port>
# of the host (the emulator, Redis) at <address:port> inside the namespace.
forward_out() {
  local name=$1 listen=$2 port=$3 sock="$K8S_RUN/out-$1.sock"
  if pid_alive "$STATE/pids/k8s-out-$name-host.pid" && pid_alive "$STATE/pids/k8s-out-$name-ns.pid"; then return 0; fi
  stop_forwarder "k8s-out-$name-host" >/dev/null; stop_forwarder "k8s-out-$name-ns" >/dev/null
  start_background "k8s-out-$name-host" "$LOGS/k8s-forward-$name.log" \
    socat "UNIX-LISTEN:$sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$port"
  wait_for "forwarder $name" 10 "$LOGS/k8s-forward-$name.log" test -S "$sock"
  start_background "k8s-out-$name-ns" "$LOGS/k8s-forward-$name-ns.log" \
    nsenter --net="/run/netns/$K8S_NETNS" -- socat "TCP-LISTEN:${listen##*:},bind=${listen%:*},fork,reuseaddr" "UNIX-CONNECT:$sock"
}
