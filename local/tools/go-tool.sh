#!/usr/bin/env bash
# Sourced by local/tools/helm.sh and local/tools/kubeconform.sh (not run directly).
# Builds one pinned Go tool per version into the cache outside the clone and links it into
# <repo>/.tools/bin, so a fresh clone on a warm machine gets the tool in milliseconds.
#   cache:  $CACHE/<name>-<version>/<name>   (CACHE: local/lib.sh, ~/.cache/eks-cdk-reference)
#   link:   $TOOLS_BIN/<name>                (<repo>/.tools/bin)
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
TOOLS_BIN="$ROOT/.tools/bin"

tool_log() { printf '[tools] %s\n' "$*" >&2; }
tool_die() {
  printf '[tools] ERROR: %s\n' "$*" >&2
  exit 1
}

# require_go <what>: one clear line and exit 1 when the Go toolchain is missing.
require_go() {
  command -v go >/dev/null 2>&1 ||
    tool_die "Go is not on PATH; it is needed to build $1 (install Go >= 1.26 from https://go.dev/dl/)"
}

# go_module_dir <module@version>: downloads the module (with its data files) and prints its directory.
go_module_dir() {
  local json dir
  json=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1") || tool_die "go mod download $1 failed"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$dir" ] || tool_die "go mod download $1 gave no module directory"
  printf '%s\n' "$dir"
}

# ensure_go_tool <name> <module> <package dir in module> <version> <version args> <ldflags> [build tags]
# Does nothing when <repo>/.tools/bin/<name> already reports <version>; otherwise builds the
# package with `go build` inside the downloaded module (so replace directives are honoured),
# caches the binary by version and (re)links it.
ensure_go_tool() {
  local name=$1 module=$2 pkg=$3 version=$4 version_args=$5 ldflags=$6 tags=${7:-}
  local link="$TOOLS_BIN/$name" cached="$CACHE/$name-$version/$name"
  # shellcheck disable=SC2086 # version_args is a word list on purpose
  if [ -x "$link" ] && [ "$("$link" $version_args 2>/dev/null)" = "$version" ]; then
    tool_log "$name $version: up to date ($link)"
    return 0
  fi
  mkdir -p "$CACHE" "$TOOLS_BIN"
  (
    flock 9
    # shellcheck disable=SC2086
    if [ -x "$cached" ] && [ "$("$cached" $version_args 2>/dev/null)" = "$version" ]; then
      tool_log "$name $version: found in cache ($cached)"
    else
      require_go "$name $version"
      local src build_start tmp
      build_start=$(date +%s)
      tool_log "$name $version: building from the Go module proxy (takes a few minutes the first time)"
      src=$(go_module_dir "$module@$version")
      tmp=$(mktemp -d "$CACHE/.build-$name.XXXXXX")
      (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp/$name" "$pkg") ||
        tool_die "building $name $version failed (see the Go output above)"
      mkdir -p "$(dirname "$cached")"
      mv "$tmp/$name" "$cached"
      rmdir "$tmp"
      tool_log "$name $version: built in $(($(date +%s) - build_start))s into $cached"
    fi
  ) 9>"$CACHE/.$name.lock"
  ln -sfn "$cached" "$link"
  tool_log "$name $version: linked $link"
}
