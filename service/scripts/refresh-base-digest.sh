#!/usr/bin/env bash
# Re-pins service/Dockerfile's base images to the current digest of their tags (the multi-arch index):
#   ARG BASE_IMAGE=node:22-bookworm-slim@sha256:...                 (build stages)
#   ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12@sha256:...      (the image that runs)
# The tag is the one already in the line; the digest after it is replaced.
# Usage: bash service/scripts/refresh-base-digest.sh [ARG name...]   (default: BASE_IMAGE RUNTIME_IMAGE)
# Needs `docker buildx` or `crane` and registry access; run it in CI or on a workstation. Then build
# and scan the image (CI's container job) before committing the new digests.
set -euo pipefail
dockerfile="$(cd "$(dirname "$0")/.." && pwd)/Dockerfile"
[ "$#" -gt 0 ] || set -- BASE_IMAGE RUNTIME_IMAGE

digest_of() {
  if command -v crane >/dev/null 2>&1; then
    crane digest "$1"
  elif docker buildx version >/dev/null 2>&1; then
    docker buildx imagetools inspect "$1" --format '{{json .Manifest}}' | sed -n 's/.*"digest":"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' | head -n1
  else
    echo "refresh-base-digest: needs crane or docker buildx" >&2
    return 1
  fi
}

for arg in "$@"; do
  current=$(sed -n "s/^ARG $arg=//p" "$dockerfile" | head -n1)
  [ -n "$current" ] || { echo "refresh-base-digest: no ARG $arg=<image> line in $dockerfile" >&2; exit 1; }
  tag="${current%@*}"
  digest=$(digest_of "$tag")
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "refresh-base-digest: no digest for $tag" >&2; exit 1; }
  sed -i -E "s#^ARG $arg=${tag}@sha256:[0-9a-f]{64}#ARG $arg=${tag}@${digest}#" "$dockerfile"
done
grep -n -E "^ARG ($(IFS='|'; echo "$*"))=" "$dockerfile"
