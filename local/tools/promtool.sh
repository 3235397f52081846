#!/usr/bin/env bash
# Ensures <repo>/.tools/bin/promtool is the promtool of Prometheus PROMETHEUS_VERSION, built from the
# Prometheus Go module (github.com/prometheus/prometheus, whose v0.3XY.Z tags are the 3.XY.Z
# releases) through the Go module proxy and cached like Helm (local/tools/go-tool.sh).
# Idempotent: does nothing when the link already reports the pinned version.
# Usage: bash local/tools/promtool.sh
# shellcheck source=local/tools/go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

# The module version of Prometheus 3.16.0.
PROMETHEUS_VERSION=v0.316.0

# `promtool --version` prints only the module version (the version template is replaced), which is
# what ensure_go_tool compares against to reuse the cached binary.
ldflags="-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION"
ldflags+=" -X github.com/prometheus/common/version.versionInfoTmpl={{.version}}"

# The module ships a go.work (for its own development) that would put the build in workspace mode.
export GOWORK=off

# remove_all_sd: `check rules` and `test rules` need no service discovery, and without it the build
# leaves out the cloud providers' SDKs and the Kubernetes client (most of the build time).
ensure_go_tool promtool github.com/prometheus/prometheus ./cmd/promtool "$PROMETHEUS_VERSION" "--version" "$ldflags" remove_all_sd
