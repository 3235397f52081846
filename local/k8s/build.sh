#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy, once per version, into
#   $CACHE/k8s/<component>-<version>/  (kube-apiserver, kube-controller-manager, kube-scheduler,
#   kubelet, kube-proxy, kubectl; etcd, etcdctl; containerd, containerd-shim-runc-v2, ctr;
#   coredns; pause)
# printing one line per component (the Go tool's output goes to .local/logs/k8s-build.log). Idempotent; safe to run concurrently (flock).
# Usage: bash local/k8s/build.sh [component...]   (default: all)
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=local/k8s/versions.sh
source "$ROOT/local/k8s/versions.sh"
# shellcheck source=local/tools/go-tool.sh
source "$ROOT/local/tools/go-tool.sh"
K8S_CACHE="$CACHE/k8s"
BUILD_LOG="$LOGS/k8s-build.log"   # the Go tool's output (downloads, compile errors)
mkdir -p "$K8S_CACHE"

# writable_module <module@version> <dest>: a writable copy of the downloaded module, without the
# workspace and vendor folders (they refer to ./staging, which the module zip does not carry).
writable_module() {
  local src; src=$(go_module_dir "$1" 2>>"$BUILD_LOG")
  rm -rf "$2"; mkdir -p "$2"
  cp -r "$src/." "$2/"; chmod -R u+w "$2"
  rm -rf "$2/go.work" "$2/go.work.sum" "$2/vendor"
}

# drop_replaces <dir> <version of the replaced modules or "">: every `replace X => ./path` becomes a
# requirement of the published X@version (or is just dropped when no version is given).
drop_replaces() {
  local dir=$1 version=$2 args=() mod
  while IFS= read -r mod; do
    [ -n "$mod" ] || continue
    args+=("-dropreplace=$mod")
    [ -z "$version" ] || args+=("-require=$mod@$version")
  done < <(cd "$dir" && go mod edit -json | node "$ROOT/local/js/go-mod-replaces.js")
  [ "${#args[@]}" -eq 0 ] || (cd "$dir" && go mod edit "${args[@]}")
}

# built <component> <version> <binary...>: true when every binary is in the cache.
built() {
  local dir="$K8S_CACHE/$1-$2"; shift 2
  local b; for b in "$@"; do [ -x "$dir/$b" ] || return 1; done
}

# with_lock <component> <command...>
with_lock() { local c=$1; shift; ( flock 9; "$@" ) 9>"$K8S_CACHE/.$c.lock"; }

build_kubernetes() {
  local out="$K8S_CACHE/kubernetes-$K8S_VERSION" bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
  built kubernetes "$K8S_VERSION" "${bins[@]}" && { say "kubernetes $K8S_VERSION: cached ($out)"; return 0; }
  local t0 work minor staging v ldflags
  t0=$(now); work="$K8S_CACHE/.src-kubernetes-$K8S_VERSION"
  say "kubernetes $K8S_VERSION: building from the Go module proxy (about 10 minutes the first time)"
  writable_module "k8s.io/kubernetes@$K8S_VERSION" "$work"
  # The staging modules are published as k8s.io/<name>@v0.<minor>.<patch>.
  staging="v0.${K8S_VERSION#v1.}"
  drop_replaces "$work" "$staging"
  (cd "$work" && { GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true; })
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ldflags="-s -w"
  for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
    ldflags+=" -X $v.buildDate=1970-01-01T00:00:00Z -X $v.gitCommit=module-proxy"
  done
  mkdir -p "$out.tmp"
  local b
  for b in "${bins[@]}"; do
    (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$b" "./cmd/$b" >>"$BUILD_LOG" 2>&1) ||
      die "building $b $K8S_VERSION failed (log: $BUILD_LOG)"
  done
  # The pause container: a static build of the upstream pause.c.
  gcc -Os -static -o "$out.tmp/pause" "$work/build/pause/linux/pause.c" -DVERSION="\"$K8S_VERSION\"" ||
    die "building pause failed (needs gcc and the static C library: apt-get install gcc libc6-dev)"
  rm -rf "$out"; mv "$out.tmp" "$out"; rm -rf "$work"
  say "kubernetes $K8S_VERSION: built in $(elapsed "$t0") ($out)"
}

build_etcd() {
  local out="$K8S_CACHE/etcd-$ETCD_VERSION"
  built etcd "$ETCD_VERSION" etcd etcdctl && { say "etcd $ETCD_VERSION: cached ($out)"; return 0; }
  local t0 work; t0=$(now); mkdir -p "$out.tmp"
  say "etcd $ETCD_VERSION: building from the Go module proxy"
  for pair in "server/v3:etcd:." "etcdctl/v3:etcdctl:."; do
    IFS=: read -r mod bin pkg <<<"$pair"
    work="$K8S_CACHE/.src-etcd-$bin"
    writable_module "go.etcd.io/etcd/$mod@$ETCD_VERSION" "$work"
    drop_replaces "$work" ""
    (cd "$work" && { GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true; })
    (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp/$bin" "$pkg" >>"$BUILD_LOG" 2>&1) ||
      die "building $bin $ETCD_VERSION failed (log: $BUILD_LOG)"
    rm -rf "$work"
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
  say "etcd $ETCD_VERSION: built in $(elapsed "$t0") ($out)"
}

build_containerd() {
  local out="$K8S_CACHE/containerd-$CONTAINERD_VERSION"
  built containerd "$CONTAINERD_VERSION" containerd containerd-shim-runc-v2 ctr && { say "containerd $CONTAINERD_VERSION: cached ($out)"; return 0; }
  local t0 src b; t0=$(now); mkdir -p "$out.tmp"
  say "containerd $CONTAINERD_VERSION: building from the Go module proxy"
  src=$(go_module_dir "github.com/containerd/containerd/v2@$CONTAINERD_VERSION" 2>>"$BUILD_LOG")
  for b in containerd containerd-shim-runc-v2 ctr; do
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags "no_btrfs no_devmapper no_zfs" \
      -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" -o "$out.tmp/$b" "./cmd/$b" >>"$BUILD_LOG" 2>&1) ||
      die "building $b $CONTAINERD_VERSION failed (log: $BUILD_LOG)"
  done
  rm -rf "$out"; mv "$out.tmp" "$out"
  say "containerd $CONTAINERD_VERSION: built in $(elapsed "$t0") ($out)"
}

build_coredns() {
  local out="$K8S_CACHE/coredns-$COREDNS_VERSION"
  built coredns "$COREDNS_VERSION" coredns && { say "coredns $COREDNS_VERSION: cached ($out)"; return 0; }
  local t0 src; t0=$(now); mkdir -p "$out.tmp"
  say "coredns $COREDNS_VERSION: building from the Go module proxy"
  src=$(go_module_dir "github.com/coredns/coredns@$COREDNS_VERSION" 2>>"$BUILD_LOG")
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp/coredns" . >>"$BUILD_LOG" 2>&1) ||
    die "building coredns $COREDNS_VERSION failed (log: $BUILD_LOG)"
  rm -rf "$out"; mv "$out.tmp" "$out"
  say "coredns $COREDNS_VERSION: built in $(elapsed "$t0") ($out)"
}

command -v go >/dev/null || die "Missing prerequisite: Go >= 1.26 (the local cluster is built from the Go module proxy)"
components=("$@"); [ "${#components[@]}" -gt 0 ] || components=(kubernetes etcd containerd coredns)
for c in "${components[@]}"; do
  case "$c" in
    kubernetes|etcd|containerd|coredns) with_lock "$c" "build_$c" ;;
    *) die "unknown component $c (kubernetes, etcd, containerd, coredns)" ;;
  esac
done
