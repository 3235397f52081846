#!/usr/bin/env bash
# Sourced (after local/lib.sh and local/containers.sh) by the scripts that assemble the local
# stand-ins for the Dockerfile's public base images (base.sh, runtime-base.sh), for machines that
# reach package registries but no image registry. Each image is labelled with a hash of its recipe
# (the script and this file) and rebuilt only when that changes.
# shellcheck disable=SC2034 # DEBIAN_SUITE and BASE_WORK are read by the scripts that source this file
RECIPE_LABEL=org.eks-cdk-reference.recipe
IMAGE_CACHE="$CACHE/node-base"
# The log: image.sh's when it runs these scripts, else a fresh one.
BASE_LOG="${IMAGE_LOG:-$LOGS/image-build.log}"
DEBIAN_SUITE=bookworm

# recipe_of_script <script>: the recipe hash of a base image script.
recipe_of_script() { cat "$1" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16; }
recipe_of_image() { podman image inspect --format "{{index .Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null; }

# debian_sources: the host's Debian sources when it runs the same release (its mirror and proxy
# set-up), else nothing (mmdebstrap's default: deb.debian.org with the updates and security suites).
debian_sources() {
  if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -qx "VERSION_CODENAME=$DEBIAN_SUITE" /etc/os-release; then
    echo /etc/apt/sources.list.d/debian.sources
  fi
}

# The build's working directory and working container: removed on any exit (base_cleanup).
BASE_WORK=""
BASE_CTR=""
base_cleanup() {
  [ -z "$BASE_WORK" ] || rm -rf "$BASE_WORK"
  [ -z "$BASE_CTR" ] || buildah rm "$BASE_CTR" >/dev/null 2>&1 || true
}

# commit_rootfs <rootfs> <image> <buildah config options...>: the directory as the only layer of a
# new image (owners, modes and links exactly as they are), labelled with the recipe; the previous
# image of that name goes unless images built on it still need it.
commit_rootfs() {
  local rootfs="$1" image="$2" mnt previous
  shift 2
  BASE_CTR=$(buildah from --quiet scratch)
  mnt=$(buildah mount "$BASE_CTR")
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
  run_logged "copy the root filesystem" "$BASE_LOG" bash -c 'tar --numeric-owner -C "$1" -cf - . | tar --numeric-owner -xpf - -C "$2"' _ "$rootfs" "$mnt"
  buildah umount "$BASE_CTR" >/dev/null
  run_logged "buildah config" "$BASE_LOG" buildah config --os linux --arch amd64 --label "$RECIPE_LABEL=$RECIPE" "$@" "$BASE_CTR"
  previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null) || true
  run_logged "buildah commit" "$BASE_LOG" buildah commit --rm "$BASE_CTR" "$image"
  BASE_CTR=""
  [ -z "$previous" ] || podman rmi "$previous" >>"$BASE_LOG" 2>&1 || true
}

# with_image_lock <image> <describe> <build function>: one build at a time (others may share the
# cache); says "cached" when the image already carries this recipe, else runs the build function.
with_image_lock() {
  mkdir -p "$IMAGE_CACHE"
  exec 9>"$IMAGE_CACHE/.lock"
  flock 9
  if [ "$(recipe_of_image "$1")" = "$RECIPE" ]; then
    say "base: $1 ($2, recipe $RECIPE) cached"
  else
    [ -n "${IMAGE_LOG:-}" ] || : >"$BASE_LOG"
    require_containers
    command -v mmdebstrap >/dev/null || die "Missing prerequisite: mmdebstrap (Debian: apt-get install mmdebstrap)"
    BASE_WORK="$IMAGE_CACHE/work.$$"
    rm -rf "$BASE_WORK"; mkdir -p "$BASE_WORK"
    trap base_cleanup EXIT
    "$3"
    base_cleanup; trap - EXIT
  fi
}
