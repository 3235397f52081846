#!/usr/bin/env bash
# local/image.sh (`npm run image`) — builds the service image from service/Dockerfile (context: the
# repository root) as localhost/eks-service:<tag>, where <tag> is a hash of the build inputs (the
# Dockerfile, its .dockerignore and the context files that list admits) and of the base image IDs:
# an unchanged tree reuses the image at once.
#   builder  docker when `docker info` answers, else buildah (podman's store, local/containers.sh);
#            IMAGE_BUILDER=docker|buildah forces one
#   bases    the Dockerfile's pinned BASE_IMAGE (build stages) and RUNTIME_IMAGE (the image that
#            runs), each when it is present or can be pulled; else (no image registry) the local
#            equivalents localhost/node-base:22-bookworm-slim (local/image/base.sh) and
#            localhost/distroless-cc:debian12 (local/image/runtime-base.sh).
#            IMAGE_BASE=<image> / IMAGE_RUNTIME_BASE=<image> force others.
#   CA       the host's NODE_EXTRA_CA_CERTS (or SSL_CERT_FILE), when set, is passed to `npm ci` as
#            the build secret `ca`: mounted during those RUN steps only, never in the image
# Writes .local/image.env (IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_ID, IMAGE_ARCHIVE) and a docker-archive
# of the image under .local/image/ (named localhost/eks-service:<tag>, for `ctr images import`).
# Verbose output of the last run: .local/logs/image-build.log.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=local/containers.sh
source "$ROOT/local/containers.sh"

IMAGE_REPOSITORY=localhost/eks-service
DOCKERFILE=service/Dockerfile
IGNOREFILE=service/Dockerfile.dockerignore
IMAGE_STATE="$STATE/image"
export IMAGE_LOG="$LOGS/image-build.log"
PULL_TIMEOUT="${IMAGE_PULL_TIMEOUT:-60}"
mkdir -p "$IMAGE_STATE"

# One run at a time in this checkout.
exec 9>"$IMAGE_STATE/.lock"
flock 9
printf '== %s npm run image\n' "$(date -u +%FT%TZ)" >"$IMAGE_LOG"

# pinned_arg <name>: the Dockerfile's default of ARG <name>=<image>.
pinned_arg() {
  local v
  v=$(sed -n "s/^ARG $1=//p" "$ROOT/$DOCKERFILE" | head -n1)
  [ -n "$v" ] || die "$DOCKERFILE has no ARG $1=<image> line"
  echo "$v"
}
# qualified <image>: the name fully qualified for podman's store (docker.io/library/... for short names).
qualified() {
  if [[ "$1" != */* ]]; then echo "docker.io/library/$1"
  elif [[ "${1%%/*}" =~ [.:] || "${1%%/*}" = localhost ]]; then echo "$1"
  else echo "docker.io/$1"; fi
}

# --- builder -------------------------------------------------------------------------------------
builder="${IMAGE_BUILDER:-}"
if [ -z "$builder" ]; then
  if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then builder=docker; else builder=buildah; fi
fi
case "$builder" in
  docker) say "builder: docker" ;;
  buildah | podman)
    builder=buildah
    require_containers
    say "builder: buildah $(buildah --version | awk '{ print $3 }') (no Docker engine answers)"
    ;;
  *) die "IMAGE_BUILDER must be docker or buildah (got $builder)" ;;
esac

# The engine holding the images: docker, or podman for buildah's store (the same store).
engine=podman; [ "$builder" = buildah ] || engine=docker
image_id() { "$engine" image inspect --format '{{.Id}}' "$1" 2>/dev/null | sed 's/^sha256://'; }

# --- bases ---------------------------------------------------------------------------------------
# resolve_base <ARG name> <forced image or ""> <local script> <local image>: prints "<image> <ID>"
# of the base to build with: the forced one, else the pinned one (present or pulled), else (buildah
# only: no registry answers) the local equivalent, built or cached by its script.
resolve_base() {
  local arg=$1 forced=$2 script=$3 local_image=$4 pinned ref id
  if [ -n "$forced" ]; then
    id=$(image_id "$forced") || true
    [ -n "$id" ] || { run_logged "pulling $forced" "$IMAGE_LOG" "$engine" pull "$forced" >&2; id=$(image_id "$forced"); }
    say "base $arg: $forced (forced)" >&2
    echo "$forced $id"; return
  fi
  pinned=$(pinned_arg "$arg")
  ref="$pinned"; [ "$builder" = docker ] || ref=$(qualified "$pinned")
  id=$(image_id "$ref") || true
  if [ -n "$id" ]; then
    say "base $arg: $pinned (present)" >&2
  elif echo "pulling $ref" >>"$IMAGE_LOG" && timeout "$PULL_TIMEOUT" "$engine" pull "$ref" >>"$IMAGE_LOG" 2>&1; then
    id=$(image_id "$ref"); say "base $arg: $pinned (pulled)" >&2
  elif [ "$builder" = docker ]; then
    fail_with_log "pulling the base image $pinned failed" "$IMAGE_LOG"
  else
    # No registry: the local equivalent (built once, rebuilt when its recipe changes).
    say "base $arg: ${pinned%%@*} (pinned) cannot be pulled: no image registry answers (log), so the local equivalent" >&2
    bash "$ROOT/local/image/$script" >&2 || exit 1
    ref="$local_image"; id=$(image_id "$ref")
  fi
  [ -n "$id" ] || die "base image $ref not found after pulling or building it"
  echo "$ref $id"
}
base_line=$(resolve_base BASE_IMAGE "${IMAGE_BASE:-}" base.sh localhost/node-base:22-bookworm-slim)
read -r base base_id <<<"$base_line"
runtime_line=$(resolve_base RUNTIME_IMAGE "${IMAGE_RUNTIME_BASE:-}" runtime-base.sh localhost/distroless-cc:debian12)
read -r runtime_base runtime_base_id <<<"$runtime_line"
{ [ -n "$base_id" ] && [ -n "$runtime_base_id" ]; } || die "the base images could not be resolved (log: $IMAGE_LOG)"

# --- tag: hash of the build inputs -----------------------------------------------------------------
# The context files are those the ignore file admits (its `!` lines; `**` matches across folders).
context_files() {
  local line files=() f
  shopt -s globstar nullglob dotglob
  while IFS= read -r line; do
    # shellcheck disable=SC2086 # the pattern is meant to glob
    case "$line" in '!'*) for f in ${line#!}; do [ -f "$f" ] && files+=("$f"); done ;; esac
  done <"$IGNOREFILE"
  shopt -u globstar nullglob dotglob
  printf '%s\n' "$DOCKERFILE" "$IGNOREFILE" "${files[@]}" | LC_ALL=C sort -u
}
inputs_hash() {
  cd "$ROOT" || exit 1
  { echo "base $base_id runtime $runtime_base_id"; context_files | while IFS= read -r f; do sha256sum "$f"; done; } | sha256sum | cut -c1-16
}
tag=$(inputs_hash)
image="$IMAGE_REPOSITORY:$tag"

# --- build ---------------------------------------------------------------------------------------
ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
secret=()
if [ -n "$ca" ]; then
  [ -r "$ca" ] || die "the CA bundle $ca (NODE_EXTRA_CA_CERTS or SSL_CERT_FILE) is not readable"
  secret=(--secret "id=ca,src=$ca")
fi
built=""
if [ -n "$(image_id "$image")" ]; then
  echo "$image exists: inputs unchanged" >>"$IMAGE_LOG"
else
  tb=$(now)
  say "building $image${ca:+ (CA secret: $ca)} (log: ${IMAGE_LOG#"$ROOT"/})"
  if [ "$builder" = docker ]; then
    run_logged "docker build" "$IMAGE_LOG" in_root env DOCKER_BUILDKIT=1 docker build \
      -f "$DOCKERFILE" --build-arg BASE_IMAGE="$base" --build-arg RUNTIME_IMAGE="$runtime_base" "${secret[@]}" -t "$image" .
  else
    # --layers: unchanged steps (npm ci while only service/src changed) come from the layer cache.
    # --network host: the RUN steps reach the npm registry as the host does.
    run_logged "buildah build" "$IMAGE_LOG" in_root buildah build --layers --format docker --network host \
      -f "$DOCKERFILE" --ignorefile "$IGNOREFILE" --build-arg BASE_IMAGE="$base" --build-arg RUNTIME_IMAGE="$runtime_base" \
      "${secret[@]}" -t "$image" .
  fi
  built="built in $(elapsed "$tb")"
  # Only the newest three tags of the repository stay (other checkouts share the store; an image
  # a container still uses stays too).
  "$engine" images --format '{{.Repository}}:{{.Tag}}' "$IMAGE_REPOSITORY" | { grep -vxF "$image" || true; } | tail -n +3 |
    while IFS= read -r old; do "$engine" rmi "$old" >>"$IMAGE_LOG" 2>&1 || true; done
fi
id=$(image_id "$image")
[ -n "$id" ] || fail_with_log "$image is not in the image store after the build" "$IMAGE_LOG"

# --- archive for containerd and the env file -------------------------------------------------------
# The archive is exported again only for a new tag or image ID (its .id file records the ID).
archive="$IMAGE_STATE/eks-service-$tag.tar"
if [ ! -s "$archive" ] || [ "$(cat "$archive.id" 2>/dev/null)" != "$id" ]; then
  rm -f "$archive.tmp" "$archive.id"
  if [ "$builder" = docker ]; then
    run_logged "docker save" "$IMAGE_LOG" docker save -o "$archive.tmp" "$image"
  else
    run_logged "podman save" "$IMAGE_LOG" podman save --format docker-archive -o "$archive.tmp" "$image"
  fi
  mv "$archive.tmp" "$archive"
  echo "$id" >"$archive.id"
  say "archive: ${archive#"$ROOT"/}"
fi
find "$IMAGE_STATE" -maxdepth 1 -name 'eks-service-*.tar*' ! -name "${archive##*/}" ! -name "${archive##*/}.id" -delete

printf 'IMAGE_REPOSITORY=%s\nIMAGE_TAG=%s\nIMAGE_ID=sha256:%s\nIMAGE_ARCHIVE=%s\n' \
  "$IMAGE_REPOSITORY" "$tag" "$id" "$archive" | write_if_changed "$STATE/image.env"
size=$("$engine" image inspect --format '{{.Size}}' "$image")
say "image: $image id ${id:0:12} size $((size / 1000000)) MB (${built:-unchanged})"
