#!/usr/bin/env bash
# local/k8s/cluster.sh start|stop|status — a single-node Kubernetes in its own network namespace:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd (runc), kubelet,
# kube-proxy (iptables), a bridge pod network and CoreDNS. Binaries come from local/k8s/build.sh.
# `start` is idempotent: what already runs and answers is kept. `stop` stops every process it
# started (pid files), the pods, their mounts, cgroups and the network namespace.
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cmd="${1:-start}"
PKI="$K8S_STATE/pki"

# --- PKI: one CA, a serving certificate for the API server, a client certificate per component.
cert() { # cert <name> <CN> <O or ""> [subjectAltName]
  local name=$1 cn=$2 org=$3 san=${4:-} subj="/CN=$2"
  [ -f "$PKI/$name.crt" ] && return 0
  [ -z "$org" ] || subj="/O=$org/CN=$cn"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" \
    -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san";
    else echo "extendedKeyUsage=clientAuth"; fi
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 825 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
kubeconfig_for() { # kubeconfig_for <file> <cert name> <server>
  b64() { base64 -w0 <"$1"; }
  (umask 077; cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster: { server: "$3", certificate-authority-data: $(b64 "$PKI/ca.crt") }
users:
  - name: $2
    user: { client-certificate-data: $(b64 "$PKI/$2.crt"), client-key-data: $(b64 "$PKI/$2.key") }
contexts:
  - name: local
    context: { cluster: local, user: $2 }
current-context: local
KC
  )
}
ensure_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -subj "/CN=eks-cdk-reference-local-ca" 2>/dev/null
  fi
  [ -f "$PKI/sa.key" ] || { openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null;
    openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  cert apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$K8S_NODE_IP,IP:$K8S_API_SERVICE_IP"
  cert admin kubernetes-admin system:masters
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert kubelet "system:node:$K8S_NODE_NAME" system:nodes
  cert controller-manager system:kube-controller-manager ""
  cert scheduler system:kube-scheduler ""
  cert kube-proxy system:kube-proxy ""
  local c
  for c in kubelet controller-manager scheduler kube-proxy; do
    [ -f "$K8S_STATE/$c.kubeconfig" ] || kubeconfig_for "$K8S_STATE/$c.kubeconfig" "$c" "https://127.0.0.1:6443"
  done
  [ -f "$KUBECONFIG" ] || kubeconfig_for "$KUBECONFIG" admin "https://127.0.0.1:$K8S_APISERVER_PORT"
}

# --- The network namespace: loopback, the node address on a veth pair, forwarding on.
ensure_netns() {
  if netns_exists && [ "$(netns_owner)" != "$ROOT" ]; then
    die "network namespace $K8S_NETNS belongs to the cluster of ${NETNS_OWNER_FILE:+$(netns_owner)}: stop it there (npm run local:down) or set LOCAL_K8S_NETNS to another name"
  fi
  if ! netns_exists; then
    ip netns add "$K8S_NETNS"
    say "netns: created $K8S_NETNS"
  fi
  mkdir -p "$(dirname "$NETNS_OWNER_FILE")"
  echo "$ROOT" >"$NETNS_OWNER_FILE"
  ip -n "$K8S_NETNS" link set lo up
  if ! ip -n "$K8S_NETNS" link show k8s-node >/dev/null 2>&1; then
    ip -n "$K8S_NETNS" link add k8s-node type veth peer name k8s-node-peer
    ip -n "$K8S_NETNS" addr add "$K8S_NODE_IP/24" dev k8s-node
    ip -n "$K8S_NETNS" link set k8s-node-peer up
    ip -n "$K8S_NETNS" link set k8s-node up
    # A default route (components look one up to pick their interface); nothing answers beyond it.
    ip -n "$K8S_NETNS" route add default dev k8s-node
  fi
  in_netns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.route_localnet=1
}

# start_component <name> <health command...> -- <command...>: starts it in the namespace unless it
# runs and its health command passes; then waits for health.
start_component() {
  local name=$1; shift
  local health=() ; while [ "$1" != -- ]; do health+=("$1"); shift; done; shift
  local pidfile="$STATE/pids/k8s-$name.pid" log="$LOGS/k8s-$name.log"
  if pid_alive "$pidfile" && "${health[@]}" >/dev/null 2>&1; then say "$name: running (pid $(cat "$pidfile"))"; return 0; fi
  stop_pidfile "k8s-$name" >/dev/null
  local t0 deadline=$((SECONDS + ${K8S_START_TIMEOUT:-90})); t0=$(now)
  start_background "k8s-$name" "$log" nsenter --net="/run/netns/$K8S_NETNS" -- "$@"
  until "${health[@]}" >/dev/null 2>&1; do
    pid_alive "$pidfile" || fail_with_log "$name exited" "$log"
    [ "$SECONDS" -lt "$deadline" ] || fail_with_log "$name not ready after ${K8S_START_TIMEOUT:-90}s" "$log"
    sleep 0.2
  done
  say "$name: ready after $(elapsed "$t0") (log $log)"
}

# The kubelet's cgroup root: one directory on a cgroup v2 host, one in every v1 hierarchy
# otherwise (where a cpuset cgroup needs its CPUs and memory nodes before it takes tasks).
cgroup_roots() {
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup$K8S_CGROUP_ROOT"; return; fi
  local d
  for d in /sys/fs/cgroup/*/; do [ -e "${d}cgroup.procs" ] && echo "${d%/}$K8S_CGROUP_ROOT"; done
}
ensure_cgroups() {
  local d parent
  while read -r d; do
    mkdir -p "$d"
    parent=$(dirname "$d")
    if [ -e "$parent/cpuset.cpus" ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
      cat "$parent/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$parent/cpuset.mems" >"$d/cpuset.mems"
    fi
  done < <(cgroup_roots)
}
ns_curl() { in_netns curl -fsS --max-time 2 "$@"; }
api_healthy() { kubectl get --raw=/readyz >/dev/null 2>&1; }

runc_binary() {
  # Pod sandboxes ask for oom_score_adj -998 and Guaranteed pods for -997; lowering it needs
  # CAP_SYS_RESOURCE. Where this root lacks it (some VMs), a wrapper clamps a negative value to 0
  # before runc sees the bundle; elsewhere containerd runs runc itself.
  if has_cap_sys_resource; then command -v runc; return; fi
  local wrapper="$K8S_STATE/bin/runc"
  mkdir -p "$K8S_STATE/bin"
  cat >"$wrapper.tmp" <<'WRAP'
#!/bin/sh
# runc with a negative oomScoreAdj clamped to 0 (this host's root lacks CAP_SYS_RESOURCE).
bundle=""; prev=""
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle="$a" ;; esac
  case "$a" in --bundle=*) bundle="${a#--bundle=}" ;; esac
  prev="$a"
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i -E 's/"oomScoreAdj":[[:space:]]*-[0-9]+/"oomScoreAdj":0/' "$bundle/config.json"
fi
exec /usr/sbin/runc "$@"
WRAP
  sed -i "s#/usr/sbin/runc#$(command -v runc)#" "$wrapper.tmp"
  chmod 755 "$wrapper.tmp"; mv "$wrapper.tmp" "$wrapper"
  echo "$wrapper"
}

# write_config <file>: stdin into <file> through a temporary file and a rename, and only when the
# content changed. containerd watches the CNI folder and reloads on every change: a second `start`
# while it runs must neither rewrite the file nor let it read a half-written one (a failed reload
# leaves the node without pod networking).
write_config() {
  local tmp; tmp=$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
write_configs() {
  local cni="$K8S_STATE/cni" runc; runc=$(runc_binary)
  mkdir -p "$cni/net.d" "$cni/ipam" "$K8S_STATE/containerd" "$K8S_STATE/kubelet" "$K8S_STATE/logs/pods"
  write_config "$cni/net.d/10-bridge.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "local-pods",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$cni/ipam", "ranges": [[{ "subnet": "$K8S_POD_CIDR" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CNI
  write_config "$K8S_STATE/containerd/config.toml" <<TOML
version = 3
root = "$K8S_STATE/containerd/root"
state = "$K8S_RUN/containerd"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins.'io.containerd.internal.v1.opt']
  path = "$K8S_STATE/containerd/opt"
[plugins.'io.containerd.nri.v1.nri']
  disable = true
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_IMAGE"
[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$cni/net.d"
TOML
  write_config "$K8S_STATE/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 (and hybrid) hosts: deprecated since 1.35, refused unless allowed explicitly.
failCgroupV1: false
cgroupDriver: cgroupfs
# Everything the kubelet runs goes under one cgroup of the project's, removed by local:down.
cgroupRoot: $K8S_CGROUP_ROOT
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
clusterDomain: cluster.local
clusterDNS: [$K8S_DNS_IP]
podLogsDir: $K8S_STATE/logs/pods
readOnlyPort: 0
failSwapOn: false
# A development node on a shared disk: evict only when it is nearly full, never collect images
# that the scripts imported (there is no registry to pull them back from).
evictionHard: { memory.available: 100Mi, nodefs.available: 1Gi, imagefs.available: 1Gi, nodefs.inodesFree: 1% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
  write_config "$K8S_STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $K8S_STATE/kube-proxy.kubeconfig }
hostnameOverride: $K8S_NODE_NAME
mode: iptables
clusterCIDR: $K8S_POD_CIDR
# nf_conntrack_max is read-only outside the host's network namespace: leave it alone.
conntrack: { maxPerCore: 0 }
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
YAML
}

# --- Images the node needs besides the service's: the pause container and CoreDNS, built from the
# cached binaries into archives once per version and imported into containerd when missing.
image_archive() { # image_archive <ref> <binary> <entrypoint json> <user>
  local ref=$1 bin=$2 entry=$3 user=$4 archive
  archive="$K8S_IMAGES/$(echo "$1" | tr '/:' '__').tar"
  if [ ! -f "$archive" ]; then
    source "$ROOT/local/containers.sh"; require_containers
    mkdir -p "$K8S_IMAGES"
    local c; c=$(buildah from scratch)
    buildah copy "$c" "$bin" "/$(basename "$bin")" >/dev/null
    buildah config --entrypoint "$entry" --user "$user" "$c"
    buildah commit --quiet "$c" "$ref" >/dev/null
    buildah rm "$c" >/dev/null
    podman save --quiet --format docker-archive -o "$archive.tmp" "$ref"
    mv "$archive.tmp" "$archive"
  fi
  echo "$archive"
}
ensure_node_images() {
  local ref archive
  for ref in "$PAUSE_IMAGE" "$COREDNS_IMAGE"; do
    ctr_k8s images ls -q 2>/dev/null | grep -qx "$ref" && continue
    case "$ref" in
      "$PAUSE_IMAGE") archive=$(image_archive "$ref" "$K8S_BIN/pause" '["/pause"]' 65535:65535) ;;
      *) archive=$(image_archive "$ref" "$COREDNS_BIN/coredns" '["/coredns"]' 65532:65532) ;;
    esac
    run_logged "importing $ref" "$LOGS/k8s-containerd.log" ctr_k8s images import "$archive"
    say "containerd: imported $ref"
  done
}

node_ready() {
  [ "$(kubectl get node "$K8S_NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start() {
  local t0; t0=$(now)
  for c in ip nsenter socat openssl iptables; do command -v "$c" >/dev/null || die "Missing prerequisite: $c (Debian: apt-get install iproute2 util-linux socat openssl iptables)"; done
  [ -d /usr/lib/cni ] || die "Missing prerequisite: CNI plugins (Debian: apt-get install containernetworking-plugins)"
  command -v runc >/dev/null || die "Missing prerequisite: runc (Debian: apt-get install runc)"
  bash "$ROOT/local/k8s/build.sh"
  ln -sfn "$K8S_BIN/kubectl" "$ROOT/.tools/bin/kubectl"
  echo local >"$K8S_STATE/provider"
  ensure_netns
  ensure_pki
  write_configs
  ensure_cgroups
  forward_in apiserver "$K8S_APISERVER_PORT" 127.0.0.1:6443
  start_component etcd ns_curl http://127.0.0.1:2379/health -- \
    "$ETCD_BIN/etcd" --name local --data-dir "$K8S_STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster local=http://127.0.0.1:2380 --log-level warn
  start_component kube-apiserver api_healthy -- \
    "$K8S_BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=0.0.0.0 --secure-port=6443 --advertise-address="$K8S_NODE_IP" \
    --service-cluster-ip-range="$K8S_SERVICE_CIDR" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --kubelet-preferred-address-types=InternalIP \
    --allow-privileged=true --profiling=false
  start_component kube-controller-manager ns_curl -k https://127.0.0.1:10257/healthz -- \
    "$K8S_BIN/kube-controller-manager" --kubeconfig="$K8S_STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$K8S_STATE/controller-manager.kubeconfig" --authorization-kubeconfig="$K8S_STATE/controller-manager.kubeconfig" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" --root-ca-file="$PKI/ca.crt" \
    --service-account-private-key-file="$PKI/sa.key" --use-service-account-credentials=true \
    --service-cluster-ip-range="$K8S_SERVICE_CIDR" --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  start_component kube-scheduler ns_curl -k https://127.0.0.1:10259/healthz -- \
    "$K8S_BIN/kube-scheduler" --kubeconfig="$K8S_STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$K8S_STATE/scheduler.kubeconfig" --authorization-kubeconfig="$K8S_STATE/scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  start_component containerd test -S "$CONTAINERD_SOCK" -- \
    env PATH="$CONTAINERD_BIN:$PATH" "$CONTAINERD_BIN/containerd" --config "$K8S_STATE/containerd/config.toml"
  ensure_node_images
  start_component kubelet ns_curl http://127.0.0.1:10248/healthz -- \
    "$K8S_BIN/kubelet" --config="$K8S_STATE/kubelet/config.yaml" --kubeconfig="$K8S_STATE/kubelet.kubeconfig" \
    --root-dir="$K8S_STATE/kubelet" --node-ip="$K8S_NODE_IP" --hostname-override="$K8S_NODE_NAME" \
    --node-labels="topology.kubernetes.io/zone=$K8S_ZONE,topology.kubernetes.io/region=local"
  start_component kube-proxy ns_curl http://127.0.0.1:10256/healthz -- \
    "$K8S_BIN/kube-proxy" --config="$K8S_STATE/kube-proxy.yaml"
  wait_for "node $K8S_NODE_NAME Ready" 90 "$LOGS/k8s-kubelet.log" node_ready
  sed -e "s#@COREDNS_IMAGE@#$COREDNS_IMAGE#g" -e "s#@DNS_IP@#$K8S_DNS_IP#g" "$ROOT/local/k8s/manifests/coredns.yaml" |
    run_logged "CoreDNS" "$LOGS/k8s-addons.log" kubectl apply -f -
  run_logged "CoreDNS rollout" "$LOGS/k8s-addons.log" kubectl -n kube-system rollout status deployment/coredns --timeout=120s
  write_env
  say "cluster: Kubernetes $K8S_VERSION ready in $(elapsed "$t0") (KUBECONFIG=$KUBECONFIG)"
}

write_env() {
  cat >"$K8S_ENV_FILE" <<ENV
KUBECONFIG=$KUBECONFIG
KUBECTL=$K8S_BIN/kubectl
HELM=$ROOT/.tools/bin/helm
CTR=$CONTAINERD_BIN/ctr
CONTAINERD_ADDRESS=$CONTAINERD_SOCK
K8S_NAMESPACE=$SERVICE_NAMESPACE
K8S_RELEASE=$SERVICE_RELEASE
K8S_NODE_NAME=$K8S_NODE_NAME
K8S_API_URL=http://127.0.0.1:$K8S_SERVICE_PORT
ENV
}

# Kills every process in the project's cgroup tree (the pods), then removes the cgroups.
kill_pods() {
  local d roots
  roots=$(cgroup_roots)
  for d in $roots; do
    [ -d "$d" ] || continue
    { find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null || true; } | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  done
  sleep 0.5
  for d in $roots; do
    if [ -d "$d" ]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}
unmount_state() {
  local m
  # Deepest first: the kubelet's volume mounts, container root filesystems, sandbox network namespaces.
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(findmnt -rn -o TARGET | grep -F "$K8S_STATE" | sort -r)
}

stop() {
  local name pidfile ours=0
  # The pods, their cgroups and the namespace only when they are this checkout's (netns_owner);
  # a namespace without an owner record is this checkout's when its pid files are here.
  if [ "$(netns_owner)" = "$ROOT" ] || { [ -z "$(netns_owner)" ] && compgen -G "$STATE/pids/k8s-*.pid" >/dev/null; }; then ours=1; fi
  for pidfile in "$STATE"/pids/k8s-in-*.pid "$STATE"/pids/k8s-out-*.pid; do
    if [ -e "$pidfile" ]; then stop_forwarder "$(basename "$pidfile" .pid)"; fi
  done
  for name in kubelet kube-proxy; do stop_pidfile "k8s-$name"; done
  if [ "$ours" = 1 ]; then kill_pods; fi
  # The containerd shims (and so any container left) of this containerd only.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null || true
  for name in containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pidfile "k8s-$name"; done
  unmount_state
  if [ "$ours" = 1 ]; then
    kill_pods
    if netns_exists; then ip netns del "$K8S_NETNS"; say "netns: removed $K8S_NETNS"; fi
    rm -f "$NETNS_OWNER_FILE"
  fi
  rm -f "$K8S_ENV_FILE" "$K8S_STATE/provider"
  say "cluster stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) if netns_ours && api_healthy && node_ready; then say "cluster: ready (KUBECONFIG=$KUBECONFIG)"; else say "cluster: not running"; exit 1; fi ;;
  *) die "usage: local/k8s/cluster.sh start|stop|status" ;;
esac
