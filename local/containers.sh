#!/usr/bin/env bash
# Sourced (after lib.sh) by the scripts that run podman or buildah: a containers.conf and a
# storage.conf of the project's own, with the image store under the cache, not /var/lib.
#   runtime runc:      crun 1.8 (Debian 12) refuses hybrid cgroup v1/v2 hosts; runc works everywhere.
#   cgroupfs:          no systemd manages cgroups in these VMs (and containers need none of it).
#   default_ulimits:   podman raises nofile/nproc by default, which needs CAP_SYS_RESOURCE; where
#                      the process lacks it, ask for limits at or under the current hard limits.
CONTAINERS_DIR="$CACHE/containers"
mkdir -p "$CONTAINERS_DIR/storage" "$CONTAINERS_DIR/run"
export CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$CONTAINERS_DIR/storage.conf"
containers_conf() {
  echo '[containers]'
  if ! has_cap_sys_resource; then
    local nofile nproc
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] && nofile=1048576
    [ "$nproc" = unlimited ] && nproc=1048576
    echo "default_ulimits = [\"nofile=$((nofile < 20000 ? nofile : 20000)):$((nofile < 20000 ? nofile : 20000))\", \"nproc=$((nproc < 32768 ? nproc : 32768)):$((nproc < 32768 ? nproc : 32768))\"]"
  fi
  echo '[engine]'
  echo 'runtime = "runc"'
  echo 'cgroup_manager = "cgroupfs"'
  echo 'events_logger = "file"'
}
storage_conf() {
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$CONTAINERS_DIR/storage" "$CONTAINERS_DIR/run"
}
# Rewritten only when it changes, so concurrent users see a complete file.
write_if_changed() { local tmp; tmp=$(mktemp "$1.XXXXXX"); cat >"$tmp"; if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi; }
containers_conf | write_if_changed "$CONTAINERS_CONF"
storage_conf | write_if_changed "$CONTAINERS_STORAGE_CONF"

require_containers() {
  local missing=() c
  for c in podman buildah runc; do command -v "$c" >/dev/null || missing+=("$c"); done
  [ "${#missing[@]}" -eq 0 ] || die "Missing prerequisite: ${missing[*]} (Debian: apt-get install podman buildah runc)"
}
