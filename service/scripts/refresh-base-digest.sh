#!/usr/bin/env bash
# Re-pins service/Dockerfile's default base image (ARG BASE_IMAGE) to the current digest of its tag (the multi-arch index).
# Usage: bash service/scripts/refresh-base-digest.sh [tag]   (default: node:22-bookworm-slim)
# Needs `docker buildx` or `crane` and registry access; run it in CI or on a workstation.
set -euo pipefail
tag="${1:-node:22-bookworm-slim}"
dockerfile="$(cd "$(dirname "$0")/.." && pwd)/Dockerfile"
if command -v crane >/dev/null 2>&1; then
  digest="$(crane digest "$tag")"
elif docker buildx version >/dev/null 2>&1; then
  digest="$(docker buildx imagetools inspect "$tag" --format '{{json .Manifest}}' | sed -n 's/.*"digest":"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' | head -n1)"
else
  echo "refresh-base-digest: needs crane or docker buildx" >&2
  exit 1
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "refresh-base-digest: no digest for $tag" >&2; exit 1; }
sed -i -E "s#^ARG BASE_IMAGE=${tag}@sha256:[0-9a-f]{64}#ARG BASE_IMAGE=${tag}@${digest}#" "$dockerfile"
grep -n "^ARG BASE_IMAGE=" "$dockerfile"
