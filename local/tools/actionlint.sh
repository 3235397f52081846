#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) from the Go module proxy into the cache
# outside the clone ($CACHE, local/lib.sh), keyed by version, and links it to <repo>/.tools/bin/actionlint.
# Idempotent: when the cached binary already reports the pinned version, nothing is built.
#
#   bash local/tools/actionlint.sh        # prints the path of the linked binary
#
# Needs: go (1.24+). Override the cache root with EKS_CDK_REFERENCE_CACHE (local/lib.sh).
# Built with `go install` (not local/tools/go-tool.sh): actionlint reports its version from the
# module's build information, which only an install of module@version records.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ACTIONLINT_VERSION="1.7.12"

cache_dir="$CACHE/actionlint-$ACTIONLINT_VERSION"
cached_bin="$cache_dir/bin/actionlint"
link="$ROOT/.tools/bin/actionlint"

log() { printf '[actionlint.sh] %s\n' "$*" >&2; }

installed_version() {
  # `actionlint -version` prints the version on its first line, e.g. "v1.7.12" or "1.7.12".
  "$1" -version 2>/dev/null | head -n 1 | sed 's/^v//'
}

(
  # One builder at a time (two `npm test` runs on one machine share the cache).
  flock 9
  if [[ -x "$cached_bin" && "$(installed_version "$cached_bin")" == "$ACTIONLINT_VERSION" ]]; then
    log "actionlint $ACTIONLINT_VERSION already cached in $cache_dir"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "go is not on PATH; install Go >= 1.24 (https://go.dev/dl/) to build actionlint $ACTIONLINT_VERSION"
    exit 1
  fi
  log "building actionlint $ACTIONLINT_VERSION with $(go version) into $cache_dir"
  started=$SECONDS
  # Build into a temporary directory, then move it into place: an interrupted build never leaves a
  # half-written binary that a later run would trust.
  tmp_dir="$(mktemp -d "$CACHE/.actionlint-$ACTIONLINT_VERSION-XXXXXX")"
  trap 'rm -rf "$tmp_dir"' EXIT
  GOBIN="$tmp_dir/bin" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  rm -rf "$cache_dir"
  mv "$tmp_dir" "$cache_dir"
  trap - EXIT
  log "built in $((SECONDS - started))s"
) 9>"$CACHE/.actionlint.lock"

mkdir -p "$(dirname "$link")"
if [[ "$(readlink "$link" 2>/dev/null || true)" != "$cached_bin" ]]; then
  ln -sfn "$cached_bin" "$link"
fi
echo "$link"
