#!/usr/bin/env bash
# Ensures <repo>/.tools/bin/kubeconform (pinned, built from the Go module proxy) and the
# Kubernetes JSON schemas kubeconform validates against, generated OFFLINE from the OpenAPI
# document that the k8s.io/kubernetes Go module carries (api/openapi-spec/swagger.json),
# in kubeconform's "standalone-strict" layout:
#   <repo>/.tools/k8s-schemas -> $CACHE/k8s-schemas-v<K8S>/v<K8S>-standalone-strict/<kind>-<group>-<version>.json
# Idempotent. Can be sourced (the helm check does) to get KUBECONFORM_BIN, K8S_SCHEMA_VERSION
# and K8S_SCHEMA_DIR. Usage: bash local/tools/kubeconform.sh
# shellcheck source=local/tools/go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

KUBECONFORM_VERSION=v0.8.0
# The Kubernetes version of the stages' clusters (lib/config) and of the local cluster (local/k8s/versions.sh).
K8S_SCHEMA_VERSION=1.35.4

ensure_go_tool kubeconform github.com/yannh/kubeconform ./cmd/kubeconform "$KUBECONFORM_VERSION" "-v" \
  "-s -w -X main.version=$KUBECONFORM_VERSION"
# shellcheck disable=SC2034 # read by the scripts that source this one (local/checks/helm.sh)
KUBECONFORM_BIN="$TOOLS_BIN/kubeconform"

schema_cache="$CACHE/k8s-schemas-v$K8S_SCHEMA_VERSION"
if [ -f "$schema_cache/.complete" ]; then
  tool_log "k8s schemas v$K8S_SCHEMA_VERSION: found in cache ($schema_cache)"
else
  (
    flock 9
    if [ ! -f "$schema_cache/.complete" ]; then
      require_go "the Kubernetes v$K8S_SCHEMA_VERSION JSON schemas"
      command -v node >/dev/null 2>&1 || tool_die "node is not on PATH; it is needed to generate the Kubernetes schemas"
      schema_start=$(date +%s)
      tool_log "k8s schemas v$K8S_SCHEMA_VERSION: downloading k8s.io/kubernetes@v$K8S_SCHEMA_VERSION from the Go module proxy"
      k8s_dir=$(go_module_dir "k8s.io/kubernetes@v$K8S_SCHEMA_VERSION")
      rm -rf "$schema_cache"
      node "$ROOT/local/js/k8s-schemas.js" "$k8s_dir/api/openapi-spec/swagger.json" \
        "$schema_cache/v$K8S_SCHEMA_VERSION-standalone-strict"
      touch "$schema_cache/.complete"
      tool_log "k8s schemas v$K8S_SCHEMA_VERSION: generated in $(($(date +%s) - schema_start))s into $schema_cache"
    fi
  ) 9>"$CACHE/.k8s-schemas.lock"
fi
ln -sfn "$schema_cache" "$ROOT/.tools/k8s-schemas"
K8S_SCHEMA_DIR="$ROOT/.tools/k8s-schemas"
tool_log "k8s schemas v$K8S_SCHEMA_VERSION: linked $K8S_SCHEMA_DIR"
